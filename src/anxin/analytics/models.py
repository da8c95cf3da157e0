"""Stored KPI sums of settled days (see ``analytics.rollup``)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from anxin.clock import now
from anxin.database import Base, BigIntPK, JSONType, UTCDateTime


class KpiDaySum(Base):
    """One tenant's raw KPI sums for one local day, for the whole day (``dim`` "total") or one group of a
    breakdown (``dim`` area/outlet/category/brand, ``key`` the group's value as JSON), or the same for one
    outlet manager's view (``dim`` ``o<outlet id>``, ``key`` ``[breakdown or "day", value]``; see
    ``rollup``). ``sums`` holds the three tables' sums as ``{"o": orders, "c": complaints, "r": revenue by
    billing category}``."""

    __tablename__ = "kpi_day_sum"
    __table_args__ = (Index("ix_kpi_day_sum_tenant_day", "tenant_id", "day", "dim"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    day: Mapped[date] = mapped_column(Date)
    dim: Mapped[str] = mapped_column(String(10))
    key: Mapped[str] = mapped_column(String(80))
    sums: Mapped[dict] = mapped_column(JSONType)
    refreshed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
