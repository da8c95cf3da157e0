from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from anxin.database import Base, BigIntPK, JSONType


class Category(Base):
    __tablename__ = "appliance_category"
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name_zh: Mapped[str] = mapped_column(String(60))
    name_en: Mapped[str] = mapped_column(String(60))


class Brand(Base):
    __tablename__ = "brand"
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name_zh: Mapped[str] = mapped_column(String(60))
    name_en: Mapped[str] = mapped_column(String(60))


class ProductModel(Base):
    """A product model and its warranty policy: the whole unit for ``warranty_months``, and named key
    parts for longer (``key_part_months``, e.g. ``{"compressor": 120}``)."""

    __tablename__ = "product_model"
    __table_args__ = (UniqueConstraint("tenant_id", "brand_id", "model_code"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brand.id"))
    category_id: Mapped[int] = mapped_column(ForeignKey("appliance_category.id"))
    model_code: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(120))
    warranty_months: Mapped[int] = mapped_column(Integer, default=12)
    key_part_months: Mapped[dict[str, int]] = mapped_column(JSONType, default=dict)
    # People a job on this model needs (2 for a central air conditioner: a crew).
    crew_size: Mapped[int] = mapped_column(Integer, default=1)
