from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from anxin.clock import now
from anxin.database import Base, BigIntPK, UTCDateTime


class Customer(Base):
    """One person per phone number per tenant, whichever channel they come through."""

    __tablename__ = "customer"
    __table_args__ = (UniqueConstraint("tenant_id", "phone"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    name: Mapped[str] = mapped_column(String(60), index=True)
    phone: Mapped[str] = mapped_column(String(11))
    elderly_household: Mapped[bool] = mapped_column(Boolean, default=False)
    infant_household: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    # Set when the customer was erased on request (``privacy.erasure``): name and phone are placeholders,
    # for good.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    addresses: Mapped[list[Address]] = relationship(back_populates="customer", order_by="Address.id")


class Address(Base):
    __tablename__ = "address"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    province: Mapped[str] = mapped_column(String(30))
    city: Mapped[str] = mapped_column(String(30))
    district: Mapped[str] = mapped_column(String(30))
    detail: Mapped[str] = mapped_column(String(200))
    lat: Mapped[float] = mapped_column(Float)
    lng: Mapped[float] = mapped_column(Float)
    area_type: Mapped[str] = mapped_column(String(10), default="urban")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    customer: Mapped[Customer] = relationship(back_populates="addresses")
