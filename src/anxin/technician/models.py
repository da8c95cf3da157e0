from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from anxin.clock import now
from anxin.database import Base, BigIntPK, JSONType, UTCDateTime


class Outlet(Base):
    """A service outlet (网点): the brand's own or a third party's. ``parent_id`` makes it a sub-outlet
    (二级网点) of the outlet it works for; ``coverage`` lists the districts it serves."""

    __tablename__ = "outlet"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20), default="own")  # own | third_party
    district: Mapped[str] = mapped_column(String(30))
    lat: Mapped[float] = mapped_column(Float)
    lng: Mapped[float] = mapped_column(Float)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("outlet.id"))
    coverage: Mapped[list[str]] = mapped_column(JSONType, default=list)
    opens_at: Mapped[str] = mapped_column(String(5), default="08:00")  # local HH:MM
    closes_at: Mapped[str] = mapped_column(String(5), default="20:00")
    daily_capacity: Mapped[int] = mapped_column(Integer, default=60)
    score: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class Technician(Base):
    """A technician: outlet, home base, skills and certificates (own tables), authorised brands (``None`` =
    every brand the tenant serves), a weekly shift with a break, daily capacity, status and last location."""

    __tablename__ = "technician"
    __table_args__ = (
        # The candidate prefilter reads a district's technicians (their outlet's, or of no outlet) from the
        # index alone on PostgreSQL: what it filters and sorts on is included.
        Index(
            "ix_technician_nearest",
            "tenant_id",
            "outlet_id",
            postgresql_include=[
                "id",
                "status",
                "auto_dispatch",
                "last_lat",
                "last_lng",
                "home_lat",
                "home_lng",
            ],
        ),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    outlet_id: Mapped[int | None] = mapped_column(ForeignKey("outlet.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    phone: Mapped[str] = mapped_column(String(11))
    status: Mapped[str] = mapped_column(String(20), default="available")
    level: Mapped[str] = mapped_column(String(10), default="junior")
    brands: Mapped[list[str] | None] = mapped_column(JSONType)
    home_lat: Mapped[float | None] = mapped_column(Float)
    home_lng: Mapped[float | None] = mapped_column(Float)
    home_area: Mapped[str] = mapped_column(String(10), default="urban")
    daily_capacity: Mapped[int] = mapped_column(Integer, default=8)
    shift_start: Mapped[str] = mapped_column(String(5), default="08:30")  # local HH:MM
    shift_end: Mapped[str] = mapped_column(String(5), default="18:00")
    break_start: Mapped[str | None] = mapped_column(String(5), default="12:00")
    break_end: Mapped[str | None] = mapped_column(String(5), default="13:00")
    work_days: Mapped[list[int]] = mapped_column(JSONType, default=lambda: [1, 2, 3, 4, 5, 6])  # ISO weekdays
    last_lat: Mapped[float | None] = mapped_column(Float)
    last_lng: Mapped[float | None] = mapped_column(Float)
    last_located_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # the technician's photo (technician/photo.py): its file under the upload directory, type, last change
    photo_key: Mapped[str | None] = mapped_column(String(200))
    photo_content_type: Mapped[str | None] = mapped_column(String(20))
    photo_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rating: Mapped[float | None] = mapped_column(Float)
    rating_count: Mapped[int] = mapped_column(Integer, default=0)
    auto_dispatch: Mapped[bool] = mapped_column(Boolean, default=True)  # quality may pause it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    # Scorecard (feedback.scorecards keeps these current): grade bronze | silver | gold (None = not yet
    # graded), the retraining flag, penalty points over 90 days and the highest threshold they crossed
    # (0 none, 1 warning, 2 retraining, 3 suspension), a quality suspension and the last reinstatement.
    grade: Mapped[str | None] = mapped_column(String(10))
    retraining: Mapped[bool] = mapped_column(Boolean, default=False)
    penalty_points: Mapped[int] = mapped_column(Integer, default=0)
    penalty_level: Mapped[int] = mapped_column(Integer, default=0)
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    suspension_reason: Mapped[str | None] = mapped_column(String(200))
    reinstated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The user who reinstated (no foreign key: app_user already points at technician; the
    # technician_quality_event row of the reinstatement carries the checked actor_id).
    reinstated_by_id: Mapped[int | None] = mapped_column(BigIntPK)

    skills: Mapped[list[TechnicianSkill]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="TechnicianSkill.id"
    )
    certificates: Mapped[list[TechnicianCertificate]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="TechnicianCertificate.id"
    )

    @property
    def categories(self) -> list[str]:
        return sorted({s.category for s in self.skills})


class TechnicianSkill(Base):
    """Can do ``category`` for ``service_type`` ("*" = every service type) at ``level``."""

    __tablename__ = "technician_skill"
    __table_args__ = (
        UniqueConstraint("technician_id", "category", "service_type"),
        # technician_id last: the candidate prefilter reads the skilled technicians from the index alone
        Index("ix_technician_skill_lookup", "tenant_id", "category", "service_type", "technician_id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    technician_id: Mapped[int] = mapped_column(ForeignKey("technician.id"))
    category: Mapped[str] = mapped_column(String(40))
    service_type: Mapped[str] = mapped_column(String(20), default="*")
    level: Mapped[str] = mapped_column(String(10), default="junior")


class TechnicianCertificate(Base):
    __tablename__ = "technician_certificate"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    technician_id: Mapped[int] = mapped_column(ForeignKey("technician.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # refrigerant | gas | electrician | height
    number: Mapped[str | None] = mapped_column(String(60))
    expires_on: Mapped[date] = mapped_column(Date)


class TechnicianDayOff(Base):
    __tablename__ = "technician_day_off"
    __table_args__ = (UniqueConstraint("technician_id", "day"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    technician_id: Mapped[int] = mapped_column(ForeignKey("technician.id"))
    day: Mapped[date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(String(100))


class Crew(Base):
    """Two or more technicians who take jobs together (a central air-conditioner install); the lead is the
    order's technician and the crew id goes on the order."""

    __tablename__ = "crew"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    outlet_id: Mapped[int | None] = mapped_column(ForeignKey("outlet.id"))
    name: Mapped[str] = mapped_column(String(60))
    lead_id: Mapped[int] = mapped_column(ForeignKey("technician.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    members: Mapped[list[CrewMember]] = relationship(lazy="selectin", cascade="all, delete-orphan")


class CrewMember(Base):
    __tablename__ = "crew_member"
    __table_args__ = (UniqueConstraint("crew_id", "technician_id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    crew_id: Mapped[int] = mapped_column(ForeignKey("crew.id"))
    technician_id: Mapped[int] = mapped_column(ForeignKey("technician.id"), index=True)


class TechnicianQualityEvent(Base):
    """Append-only history of a technician's quality consequences: ``suspended``, ``reinstated``,
    ``warning``, ``retraining``, ``grade`` (who, when, why)."""

    __tablename__ = "technician_quality_event"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    technician_id: Mapped[int] = mapped_column(ForeignKey("technician.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    note: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict] = mapped_column(JSONType, default=dict)
