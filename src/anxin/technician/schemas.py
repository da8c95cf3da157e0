from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class OutletRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    code: str
    name: str
    kind: str
    district: str
    lat: float
    lng: float


class TechnicianRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    outlet_id: int | None
    name: str
    skills: list[str]
    status: str
