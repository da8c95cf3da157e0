"""Errors of telemetry, mapped to HTTP once in ``main.py`` (the one error shape)."""

from __future__ import annotations

from typing import Any

from anxin.exceptions import AnxinError


class BadIngestKey(AnxinError):
    """No ``X-Api-Key``, or one that is unknown or revoked (the same answer: nothing tells which)."""

    status_code = 401
    code = "bad_ingest_key"
    message_zh = "遥测接入密钥缺失、无效或已吊销"
    message_en = "The ingest key is missing, unknown or revoked"


class BatchTooLarge(AnxinError):
    status_code = 422
    code = "batch_too_large"
    message_zh = "一批最多 {limit} 条读数，本批 {count} 条"
    message_en = "A batch holds at most {limit} readings; this one has {count}"

    def details(self) -> dict[str, Any]:
        return {"field": "readings", "limit": self.params["limit"]}


class MalformedBatch(AnxinError):
    status_code = 422
    code = "malformed_batch"
    message_zh = "请求体必须是 JSON 对象，含 readings 数组"
    message_en = "The body must be a JSON object with a readings array"

    def details(self) -> dict[str, Any]:
        return {"field": "readings"}
