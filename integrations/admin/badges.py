"""Coloured labels for statuses, shared by every console page (colour says good, bad or waiting)."""

from django.utils.html import format_html

TONES = {"success", "danger", "warning", "info", "muted"}
STATUS_TONES = {
    "live": "success", "draft": "muted", "paused": "warning",
    "created": "success", "updated": "success", "skipped": "muted", "failed": "danger",
    "succeeded": "success", "partial": "warning", "running": "info", "abandoned": "danger",
    "healthy": "success", "unhealthy": "danger", "unknown": "muted",
    "resolved": "info", "ignored": "muted",
}


def badge(text, tone: str = "muted") -> str:
    return format_html('<span class="console-badge console-{}">{}</span>', tone if tone in TONES else "muted", text)


def status_badge(status: str, label: str | None = None) -> str:
    return badge(label or status.replace("_", " "), STATUS_TONES.get(status, "muted"))


def health_badge(connection) -> str:
    return format_html('<span title="{}">{}</span>', connection.health_message or connection.get_health_display(),
                       badge(connection.name, STATUS_TONES.get(connection.health, "muted")))
