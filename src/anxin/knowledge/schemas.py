"""The knowledge API's shapes. Every text from outside is bounded here (and free of NUL characters, which
PostgreSQL's text refuses)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from anxin.catalog.codes import CategoryCode
from anxin.fields import Id
from anxin.knowledge.codes import FaultCode
from anxin.knowledge.triage import MAX_TEXT

NO_NUL = r"^[^\x00]*$"
Line = Annotated[str, Field(min_length=1, max_length=200, pattern=NO_NUL)]
Lines = Annotated[list[Line], Field(max_length=30)]
Title = Annotated[str, Field(min_length=1, max_length=120, pattern=NO_NUL)]
ErrorCodeText = Annotated[str, Field(min_length=1, max_length=10, pattern=r"^[A-Za-z0-9]{1,10}$")]


class PartRef(BaseModel):
    code: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    name: str = Field(min_length=1, max_length=120, pattern=NO_NUL)


class ErrorCodeIn(BaseModel):
    code: ErrorCodeText
    brand: str | None = Field(default=None, max_length=40, pattern=NO_NUL)
    series: str | None = Field(default=None, max_length=40, pattern=NO_NUL)
    meaning: str = Field(min_length=1, max_length=200, pattern=NO_NUL)


class ErrorCodeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    brand: str | None
    series: str | None
    meaning: str


class EntryFields(BaseModel):
    title: Title | None = None
    symptoms: Lines | None = None
    causes: Lines | None = None
    self_help: Lines | None = None
    keywords: Lines | None = None
    parts: list[PartRef] | None = Field(default=None, max_length=20)
    error_codes: list[ErrorCodeIn] | None = Field(default=None, max_length=100)
    visit_needed: bool | None = None
    duration_minutes: int | None = Field(default=None, ge=5, le=1440, description="typical minutes on site")
    note: str | None = Field(default=None, max_length=1000, pattern=NO_NUL)


class EntryCreate(EntryFields):
    category: CategoryCode
    fault: FaultCode
    title: Title


class EntryUpdate(EntryFields):
    """The fields to change; ``error_codes`` replaces the entry's codes whole."""


class EntryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    category: str
    fault: str
    title: str
    symptoms: list[str]
    causes: list[str]
    self_help: list[str]
    keywords: list[str]
    parts: list[PartRef]
    error_codes: list[ErrorCodeRead]
    visit_needed: bool
    service_type: str
    duration_minutes: int
    note: str | None
    version: int
    updated_at: datetime


class TriageRequest(BaseModel):
    text: str = Field(
        max_length=MAX_TEXT,
        description=f"the customer's words, 1 to {MAX_TEXT} characters (blank: 422 triage_text_empty)",
    )
    appliance_id: Id | None = Field(
        default=None, description="the appliance, when known: its category and brand"
    )


class Alternative(BaseModel):
    category: str
    fault: str
    confidence: float


class Skill(BaseModel):
    category: str
    service_type: str
    level: str
    certificates: list[str]


class ErrorCodeFound(BaseModel):
    code: str
    meaning: str | None = Field(description="from the knowledge base; null for a code it does not know")


class PartSuggestion(BaseModel):
    code: str
    name: str


class TriageRead(BaseModel):
    category: str
    fault: str
    confidence: float = Field(ge=0, le=1)
    alternatives: list[Alternative]
    self_help: list[str]
    skill: Skill
    parts: list[PartSuggestion]
    error_code: ErrorCodeFound | None = None
    entry_id: int | None = None
    title: str | None = None
    visit_needed: bool
    duration_minutes: int
