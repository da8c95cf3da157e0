from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from anxin.fields import Id

Months = Annotated[int, Field(ge=0, le=240)]


class CategoryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    code: str
    name_zh: str
    name_en: str


class BrandCreate(BaseModel):
    code: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9_]+$")
    name_zh: str = Field(min_length=1, max_length=60)
    name_en: str = Field(min_length=1, max_length=60)


class BrandRead(BrandCreate):
    model_config = ConfigDict(from_attributes=True)
    id: int


class ProductModelCreate(BaseModel):
    brand_id: Id
    category_code: str
    model_code: str = Field(min_length=1, max_length=60)
    name: str = Field(min_length=1, max_length=120)
    warranty_months: Months
    key_part_months: dict[Annotated[str, Field(min_length=1, max_length=40)], Months] = Field(
        default_factory=dict, max_length=20
    )


class ProductModelRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    brand_id: int
    category_id: int
    model_code: str
    name: str
    warranty_months: int
    key_part_months: dict[str, int]
