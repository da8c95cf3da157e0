"""Errors of the knowledge base and triage, mapped to HTTP once in ``main.py`` (the one error shape)."""

from __future__ import annotations

from typing import Any

from anxin.exceptions import AnxinError


class EntryExists(AnxinError):
    status_code = 409
    code = "knowledge_entry_exists"
    message_zh = "该品类的“{fault_zh}”条目已存在，请直接修改它"
    message_en = "This category already has an entry for {fault}; edit that one"

    def details(self) -> dict[str, Any]:
        return {"field": "fault"}


class TextEmpty(AnxinError):
    status_code = 422
    code = "triage_text_empty"
    message_zh = "请描述故障现象"
    message_en = "Describe the fault in a few words"

    def details(self) -> dict[str, Any]:
        return {"field": "text"}


class TextTooLong(AnxinError):
    status_code = 422
    code = "triage_text_too_long"
    message_zh = "故障描述最多 {most} 个字"
    message_en = "The description may be at most {most} characters"

    def details(self) -> dict[str, Any]:
        return {"field": "text", "max_length": self.params["most"]}


class KnowledgeEmpty(AnxinError):
    status_code = 409
    code = "knowledge_base_empty"
    message_zh = "知识库为空，无法判断故障；请管理员先导入知识库"
    message_en = "The knowledge base is empty; an admin loads it first"
