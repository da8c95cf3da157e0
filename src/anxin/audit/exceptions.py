"""Refusals of the audit log's pages, mapped to HTTP once in ``main.py`` (the pages render them)."""

from __future__ import annotations

from anxin.exceptions import AnxinError


class BadFilter(AnxinError):
    """A filter of the audit log's page that cannot be read (the API refuses the same with 422)."""

    status_code = 422
    code = "invalid_filter"
    message_zh = "筛选条件有误：{zh}"
    message_en = "The filter cannot be read: {en}"

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(zh=zh, en=en)
