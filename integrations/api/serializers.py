"""Thin serializers: what a partner sees of integrations, flows and sync records."""

from rest_framework import serializers

from ..domain.errors import describe
from ..models import Flow, Integration, SyncRecord, SyncRun


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
    ids = serializers.ListField(child=serializers.IntegerField(), required=False)
    error_code = serializers.CharField(required=False)
    run = serializers.IntegerField(required=False)

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError("Give ids, an error_code or a run.")
        return attrs
