"""``pdm_score``: the latest failure prediction per appliance (``anxin pdm score``).

One row per appliance, replaced at every scoring run: the component most likely to fail within the
model's horizon, its probability, and when and by which model (its training time) it was scored. Staff
tools read it; it is never shown to a customer (a score is internal)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from anxin.clock import now
from anxin.database import Base, BigIntPK, UTCDateTime


class PdmScore(Base):
    __tablename__ = "pdm_score"

    appliance_id: Mapped[int] = mapped_column(
        BigIntPK, ForeignKey("appliance.id"), primary_key=True, autoincrement=False
    )
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    component: Mapped[str] = mapped_column(String(40))  # the most likely failing component ("none": none)
    probability: Mapped[float] = mapped_column(Float)  # of that component failing within the horizon
    failure_probability: Mapped[float] = mapped_column(Float)  # of any component failing
    horizon_hours: Mapped[int] = mapped_column(Integer)
    model_trained_at: Mapped[datetime] = mapped_column(UTCDateTime)
    scored_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
