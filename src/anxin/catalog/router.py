from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.catalog import service
from anxin.catalog.codes import SERVICE_TYPE_NAMES
from anxin.catalog.schemas import (
    BrandCreate,
    BrandRead,
    CategoryRead,
    ProductModelCreate,
    ProductModelRead,
)
from anxin.dependencies import CurrentUser, DbSession, allowed
from anxin.fields import Id

router = APIRouter(prefix="/api/v1/catalog", tags=["catalog"])
Admin = Annotated[User, Depends(allowed(Action.CATALOG_MANAGE))]


@router.get("/categories", response_model=list[CategoryRead])
def list_categories(db: DbSession, user: CurrentUser):
    return service.get_categories(db, tenant_id=user.tenant_id)


@router.get("/service-types")
def list_service_types(user: CurrentUser) -> list[dict[str, str]]:
    return [
        {"code": code.value, "name_zh": zh, "name_en": en} for code, (zh, en) in SERVICE_TYPE_NAMES.items()
    ]


@router.get("/brands", response_model=list[BrandRead])
def list_brands(db: DbSession, user: CurrentUser):
    return service.get_brands(db, tenant_id=user.tenant_id)


@router.post("/brands", response_model=BrandRead, status_code=201)
def create_brand(body: BrandCreate, db: DbSession, user: Admin):
    return service.create_brand(db, tenant_id=user.tenant_id, actor=user, **body.model_dump())


@router.get("/models", response_model=list[ProductModelRead])
def list_models(db: DbSession, user: CurrentUser, brand_id: Id | None = None, category_id: Id | None = None):
    return service.get_product_models(
        db, tenant_id=user.tenant_id, brand_id=brand_id, category_id=category_id
    )


@router.get("/models/{model_id}", response_model=ProductModelRead)
def get_model(model_id: Id, db: DbSession, user: CurrentUser):
    return service.get_product_model(db, tenant_id=user.tenant_id, id=model_id)


@router.post("/models", response_model=ProductModelRead, status_code=201)
def create_model(body: ProductModelCreate, db: DbSession, user: Admin):
    return service.create_product_model(db, tenant_id=user.tenant_id, actor=user, **body.model_dump())
