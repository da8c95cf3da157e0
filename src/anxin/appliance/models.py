from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from anxin.clock import now
from anxin.database import Base, BigIntPK, UTCDateTime


class Appliance(Base):
    """An appliance registered to a customer: which model, which unit, where and when it was bought."""

    __tablename__ = "appliance"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    address_id: Mapped[int | None] = mapped_column(ForeignKey("address.id"))
    product_model_id: Mapped[int] = mapped_column(ForeignKey("product_model.id"))
    serial_number: Mapped[str] = mapped_column(String(60), index=True)
    purchase_date: Mapped[date] = mapped_column(Date)
    purchase_channel: Mapped[str] = mapped_column(String(30))
    install_date: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
