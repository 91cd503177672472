"""The source record as fetched, kept with its sync record so people can read what the run read."""

import json

from ..connectors.http import Redactor
from .base import SourceRecord

SOURCE_MAX_CHARS = 64 * 1024  # a Centra order with its shipments is a few KB; a runaway one is cut


def kept_source(record: SourceRecord) -> dict | None:
    """`record.data` with secrets redacted by key name; past SOURCE_MAX_CHARS of JSON, its beginning
    as text with a note saying so (a record page never has to load megabytes)."""
    if not isinstance(record.data, dict) or not record.data:
        return None
    text = json.dumps(Redactor()(record.data), ensure_ascii=False, default=str)
    if len(text) <= SOURCE_MAX_CHARS:
        return json.loads(text)  # plain JSON types only, whatever the flow held (dates, decimals)
    return {"truncated": f"The first {SOURCE_MAX_CHARS} of {len(text)} characters are kept.",
            "excerpt": text[:SOURCE_MAX_CHARS]}
