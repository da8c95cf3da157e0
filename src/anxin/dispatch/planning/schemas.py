"""Request and response shapes of day plans, technicians' routes and ETAs."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from anxin.fields import Id


class PlanCreate(BaseModel):
    date: date
    area: str | None = Field(default=None, max_length=30)
    outlet_id: Id | None = None
    seconds: float = Field(default=5.0, gt=0, le=60)
    apply: bool = False
    reassign: bool = False


class ReplanBody(BaseModel):
    reason: str = Field(min_length=2, max_length=30, description="what changed, e.g. urgent_order, sick")
    seconds: float = Field(default=3.0, gt=0, le=60)
    apply: bool = False
    reassign: bool = False  # may move orders already given to a technician (one off sick)


class PlanStopRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    technician_id: int
    sequence: int
    work_order_id: int
    arrive_at: datetime
    start_at: datetime
    end_at: datetime
    travel_metres: int
    travel_seconds: int
    fixed: bool


class PlanUnservedRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    work_order_id: int
    reason: str
    message: str


class PlanSummaryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    plan_date: date
    area: str | None
    outlet_id: int | None
    status: str
    revision: int
    trigger: str
    solver: str
    seconds: float
    stats: dict[str, Any]
    created_by_id: int | None
    created_at: datetime


class PlanRead(PlanSummaryRead):
    stops: list[PlanStopRead]
    unserved: list[PlanUnservedRead]


class RouteStopRead(BaseModel):
    sequence: int
    order_id: int
    number: str
    status: str
    address: str
    window_start: datetime | None
    window_end: datetime | None
    eta: datetime
    start_at: datetime
    end_at: datetime
    service_minutes: int
    fixed: bool


class RouteRead(BaseModel):
    technician_id: int
    date: date
    plan_id: int | None
    revision: int | None
    stops: list[RouteStopRead]


class EtaPointRead(BaseModel):
    lat: float
    lng: float


class EtaRead(BaseModel):
    order_id: int
    eta: datetime | None
    source: str  # arrived | live | plan | appointment | none
    technician_id: int | None
    planned_at: datetime | None
    # for people, in the caller's language and the tenant's zone (dispatch.tracking): "预计 14:35 到达", and
    # how the figure was made ("师傅位置 2 分钟前更新，距您约 3.2 公里"; null before the technician sets off)
    text: str
    basis: str | None = None
    live: bool = False  # from a fresh position by the travel model
    located_at: datetime | None = None  # the technician's last reported position, while en route
    position_age_minutes: int | None = None
    distance_km: float | None = None  # by road, as the travel model estimates it (live only)
    window_start: datetime | None = None  # the visit window agreed
    window_end: datetime | None = None
    technician_position: EtaPointRead | None = None  # en route with a fresh position only
    destination: EtaPointRead | None = None  # the order's address
