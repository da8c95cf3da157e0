"""The base of every domain error. Each carries a machine-readable code, an HTTP status and a message in
Chinese and English; ``main.py`` turns them into the one error shape ``{"error": {"code", "message"}}``,
which ``ErrorRead`` describes in the OpenAPI document."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field


class AnxinError(Exception):
    status_code: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"
    message_zh: ClassVar[str] = "请求无效"
    message_en: ClassVar[str] = "Bad request"

    def __init__(self, **params: Any) -> None:
        self.params = params
        super().__init__(self.message("en"))

    def message(self, language: str) -> str:
        template = self.message_en if language == "en" else self.message_zh
        try:
            return template.format(**self.params)
        except (KeyError, IndexError):
            return template

    def details(self) -> dict[str, Any]:
        return {}


class NotFound(AnxinError):
    status_code = 404
    code = "not_found"
    message_zh = "{thing}不存在"
    message_en = "{thing} not found"

    def __init__(self, thing: str = "object", thing_zh: str = "对象") -> None:
        self.thing_zh = thing_zh
        super().__init__(thing=thing)

    def message(self, language: str) -> str:
        if language == "en":
            return f"{self.params['thing'].capitalize()} not found"
        return f"{self.thing_zh}不存在"


class Forbidden(AnxinError):
    status_code = 403
    code = "forbidden"
    message_zh = "当前角色无权执行此操作"
    message_en = "Your role may not do this"


class NotAuthenticated(AnxinError):
    status_code = 401
    code = "not_authenticated"
    message_zh = "请先登录"
    message_en = "Sign in first"


class Conflict(AnxinError):
    status_code = 409
    code = "conflict"
    message_zh = "数据已被他人修改，请刷新后重试"
    message_en = "The object was changed by someone else; reload and try again"


class InvalidInput(AnxinError):
    """A value that parses but breaks a business rule; names the field."""

    status_code = 422
    code = "invalid_input"

    def __init__(self, field: str, message_zh: str, message_en: str, **params: Any) -> None:
        self._zh = message_zh
        self._en = message_en
        super().__init__(field=field, **params)

    def message(self, language: str) -> str:
        text = self._en if language == "en" else self._zh
        return f"{self.params['field']}: {text}"

    def details(self) -> dict[str, Any]:
        return {"field": self.params["field"]}


# --- the one error shape, as the OpenAPI document shows it ----------------------------------------------------


class FieldProblem(BaseModel):
    """One field a request got wrong (a 422 ``validation_error`` lists them all)."""

    field: str = Field(description="the field's path, e.g. ``lines.0.amount_fen`` or ``page_size``")
    message: str


class ErrorDetail(BaseModel):
    """What went wrong: ``code`` for programs, ``message`` for people (Chinese, or English with
    ``Accept-Language: en``). Some codes add the details named below; others may add their own."""

    model_config = ConfigDict(extra="allow")

    code: str = Field(
        description="e.g. not_authenticated, forbidden, not_found, illegal_transition, conflict, "
        "validation_error, invalid_input, payload_too_large, too_many_attempts"
    )
    message: str
    field: str | None = Field(default=None, description="the field at fault (422)")
    errors: list[FieldProblem] | None = Field(
        default=None, description="every field at fault (validation_error)"
    )
    current: str | None = Field(default=None, description="the object's state (illegal_transition)")
    action: str | None = Field(default=None, description="the refused action (illegal_transition)")
    reasons: list[str] | None = Field(default=None, description="the rules a refused assignment broke")
    overridable: bool | None = Field(
        default=None, description="whether ``override: true`` would assign anyway"
    )
    retry_after: int | None = Field(default=None, description="seconds until a throttle lets go (429)")
    limit_bytes: int | None = Field(default=None, description="the largest body accepted (413)")


class ErrorRead(BaseModel):
    """Every refusal of the API: ``{"error": {"code", "message", ...}}``."""

    error: ErrorDetail
