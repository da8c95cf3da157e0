from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from anxin.fields import Latitude, Longitude


class OutletRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    code: str
    name: str
    kind: str
    district: str
    lat: float
    lng: float
    parent_id: int | None
    coverage: list[str]
    opens_at: str
    closes_at: str
    daily_capacity: int
    score: float | None


class SkillRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    category: str
    service_type: str
    level: str


class CertificateRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    kind: str
    number: str | None
    expires_on: date


class TechnicianRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    outlet_id: int | None
    name: str
    status: str
    level: str
    skills: list[SkillRead]
    certificates: list[CertificateRead]
    brands: list[str] | None
    daily_capacity: int
    shift_start: str
    shift_end: str
    break_start: str | None
    break_end: str | None
    work_days: list[int]
    rating: float | None
    rating_count: int
    auto_dispatch: bool
    last_located_at: datetime | None


class LocationBody(BaseModel):
    lat: Latitude
    lng: Longitude
    accuracy_m: float | None = Field(default=None, ge=0, le=100_000, allow_inf_nan=False)
    at: datetime | None = None


class LocationRead(BaseModel):
    technician_id: int
    lat: float
    lng: float
    located_at: datetime


class TechnicianPhotoRead(BaseModel):
    technician_id: int
    content_type: str
    updated_at: datetime | None
