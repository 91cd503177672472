"""Thin serializers: what a partner sees of integrations, flows and sync records."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..connectors.http import REDACTED, names_a_secret
from ..domain.errors import describe
from ..models import Alert, Flow, Integration, ReconciliationReport, SyncRecord, SyncRun
from .errors import not_found

# Ids are BigAutoField: the database holds 1..2**63-1. A number outside can name nothing, and some
# databases fail on it instead of matching nothing (SQLite: OverflowError), so it is refused here.
MAX_ID = 2**63 - 1
MAX_RETRY_IDS = 1000  # one request's worth; SQLite also caps the parameters of one query
NO_SUCH_RUN = "No such run in this integration."


def id_field(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


@extend_schema_field({"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_ID})
class IntegrationRunField(serializers.PrimaryKeyRelatedField):
    """A run of the integration in the URL (`context["integration"]`). A run id that does not exist and
    one of a run the caller cannot see get the same answer, so no id leaks across partners."""

    default_error_messages = {"does_not_exist": NO_SUCH_RUN, "incorrect_type": NO_SUCH_RUN}

    def get_queryset(self):
        return SyncRun.objects.filter(flow__integration=self.context["integration"])

    def to_internal_value(self, data):
        value = id_field().run_validation(data)
        if not self.get_queryset().filter(pk=value).exists():
            raise not_found(f"No run {value} in this integration.")
        return super().to_internal_value(value)


class FlowSerializer(serializers.ModelSerializer):
    class Meta:
        model = Flow
        fields = ["kind", "enabled", "trigger", "schedule_minutes", "batch_size"]


class IntegrationSerializer(serializers.ModelSerializer):
    organization = serializers.CharField(source="organization.slug")
    flows = FlowSerializer(many=True, read_only=True)

    class Meta:
        model = Integration
        fields = ["slug", "name", "organization", "status", "source", "target", "sync_from", "created_at", "flows"]
        read_only_fields = fields


class SyncRunSerializer(serializers.ModelSerializer):
    flow = serializers.CharField(source="flow.kind")
    progress = serializers.SerializerMethodField()

    class Meta:
        model = SyncRun
        fields = ["id", "flow", "trigger", "status", "started_at", "finished_at", "created", "updated", "skipped",
                  "failed", "error_code", "error_message", "progress"]

    @extend_schema_field({"type": "object", "nullable": True, "properties": {
        "handled": {"type": "integer"}, "last_heartbeat_at": {"type": "string", "format": "date-time"}}})
    def get_progress(self, run) -> dict | None:
        """While a run runs: records handled so far (checkpointed per batch) and when its worker last beat."""
        if run.status != SyncRun.Status.RUNNING:
            return None
        return {"handled": run.created + run.updated + run.skipped + run.failed, "last_heartbeat_at": run.heartbeat_at}


class SyncRecordSerializer(serializers.ModelSerializer):
    error = serializers.SerializerMethodField()

    class Meta:
        model = SyncRecord
        fields = ["id", "integration", "flow", "run", "object_type", "source_id", "source_ref", "target_id", "status",
                  "error_code", "message", "error", "attempts", "next_retry_at", "dead", "resolution",
                  "resolution_note", "resolved_at", "created_at"]

    integration = serializers.CharField(source="integration.slug", read_only=True)
    flow = serializers.CharField(source="run.flow.kind", read_only=True)

    def get_error(self, record) -> dict | None:
        """The catalog entry: what the code means and what to do about it."""
        if not record.error_code:
            return None
        entry = describe(record.error_code)
        return {"code": entry.code, "title": entry.title, "advice": entry.advice, "retryable": entry.retryable}


class RetrySerializer(serializers.Serializer):
    """What to retry among the integration's open failures (all criteria given must match)."""

    ids = serializers.ListField(child=id_field(), required=False, allow_empty=False, max_length=MAX_RETRY_IDS,
                                help_text="Sync record ids.")
    error_code = serializers.CharField(required=False)
    run = IntegrationRunField(required=False, help_text="A run id of this integration.")

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError("Give ids, an error_code or a run.")
        return attrs


class RetryQueuedSerializer(serializers.Serializer):
    queued = serializers.IntegerField(help_text="How many open failures were queued for a retry.")
    message = serializers.CharField()


def redacted(body):
    """A stored body with every secret-looking key masked, once more on the way out (bodies are
    redacted when kept; this holds for any kept before a key name was added to the pattern)."""
    if isinstance(body, dict):
        return {k: REDACTED if names_a_secret(str(k)) else redacted(v) for k, v in body.items()}
    if isinstance(body, list):
        return [redacted(item) for item in body]
    return body


class SyncRecordDetailSerializer(SyncRecordSerializer):
    request = serializers.SerializerMethodField(help_text="What we sent (secrets redacted); null once purged.")
    response = serializers.SerializerMethodField(help_text="What we got back (secrets redacted); null once purged.")

    class Meta(SyncRecordSerializer.Meta):
        fields = [*SyncRecordSerializer.Meta.fields, "request", "response", "bodies_purged_at"]

    @extend_schema_field({"nullable": True})
    def get_request(self, record):
        return redacted(record.request)

    @extend_schema_field({"nullable": True})
    def get_response(self, record):
        return redacted(record.response)


class ResolveSerializer(RetrySerializer):
    """Which open failures to close by hand, and why (the reason stays in the history)."""

    reason = serializers.CharField(max_length=5000, help_text="Why: kept in the sync log with who and when.")
    resolution = serializers.ChoiceField(choices=["resolved", "ignored"], default="resolved")

    def validate(self, attrs):
        if not set(attrs) & {"ids", "error_code", "run"}:
            raise serializers.ValidationError("Give ids, an error_code or a run.")
        return attrs


class AlertSerializer(serializers.ModelSerializer):
    integration = serializers.CharField(source="integration.slug", read_only=True, allow_null=True)

    class Meta:
        model = Alert
        fields = ["id", "kind", "title", "message", "integration", "occurrences", "opened_at", "last_seen_at",
                  "resolved_at"]


class ReconciliationReportSerializer(serializers.ModelSerializer):
    integration = serializers.CharField(source="integration.slug", read_only=True)

    class Meta:
        model = ReconciliationReport
        fields = ["id", "integration", "day", "phase", "shipments", "invoices_matched", "returns", "credits_matched",
                  "waiting", "differences", "queued_for_catch_up", "started_at", "finished_at", "error"]
