"""Thin serializers: what a partner sees of integrations, flows and sync records."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..domain.errors import describe
from ..models import Flow, Integration, SyncRecord, SyncRun

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
        return super().to_internal_value(id_field().run_validation(data))


class FlowSerializer(serializers.ModelSerializer):
    class Meta:
        model = Flow
        fields = ["kind", "enabled", "trigger", "schedule_minutes", "batch_size"]


class IntegrationSerializer(serializers.ModelSerializer):
    organization = serializers.CharField(source="organization.slug")
    flows = FlowSerializer(many=True, read_only=True)

    class Meta:
        model = Integration
        fields = ["slug", "name", "organization", "status", "flows"]


class SyncRunSerializer(serializers.ModelSerializer):
    flow = serializers.CharField(source="flow.kind")

    class Meta:
        model = SyncRun
        fields = ["id", "flow", "trigger", "status", "started_at", "finished_at", "created", "updated", "skipped",
                  "failed", "error_code", "error_message"]


class SyncRecordSerializer(serializers.ModelSerializer):
    error = serializers.SerializerMethodField()

    class Meta:
        model = SyncRecord
        fields = ["id", "run", "object_type", "source_id", "source_ref", "target_id", "status", "error_code",
                  "message", "error", "attempts", "next_retry_at", "dead", "created_at"]

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
