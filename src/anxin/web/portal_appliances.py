"""Registering an appliance from the customer portal: the API's schema validates the form and the same
appliance service stores it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from anxin.appliance import service as appliance_service
from anxin.appliance.schemas import ApplianceCreate, PurchaseChannel
from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.customer import service as customer_service
from anxin.dependencies import DbSession
from anxin.exceptions import InvalidInput
from anxin.fields import Id
from anxin.web import i18n, portal_forms
from anxin.web.session import page_user
from anxin.web.templating import PageRoute, render, see_other

router = APIRouter(prefix="/portal", route_class=PageRoute, include_in_schema=False)

Customer = Annotated[User, Depends(page_user(Action.PORTAL))]


@router.get("/appliances/new", response_class=HTMLResponse)
def new_appliance(request: Request, db: DbSession, user: Customer) -> Response:
    """The model by category → brand → model, or its code typed (``portal_forms``)."""
    lang = i18n.language(request)
    return render(
        request,
        "portal/appliance.html",
        picker=portal_forms.catalog(db, tenant_id=user.tenant_id, lang=lang),
        channels=[c.value for c in PurchaseChannel],
    )


@router.post("/appliances")
def register(
    request: Request,
    db: DbSession,
    user: Customer,
    serial_number: Annotated[str, Form(max_length=60)],
    purchase_date: Annotated[str, Form(max_length=10)],
    purchase_channel: Annotated[str, Form(max_length=30)],
    product_model_id: Annotated[Id | None, Form()] = None,
    model_code: Annotated[str, Form(max_length=60)] = "",
) -> Response:
    model = portal_forms.model_id(
        db, tenant_id=user.tenant_id, product_model_id=product_model_id, model_code=model_code
    )
    try:
        body = ApplianceCreate(
            product_model_id=model,
            serial_number=serial_number.strip(),
            purchase_date=purchase_date,
            purchase_channel=purchase_channel,
        )
    except ValidationError as exc:
        where = exc.errors()[0]["loc"]
        field = str(where[0]) if where else "purchase_date"  # a rule across fields names none
        raise InvalidInput(field, f"填写有误：{field}", f"check the field {field}") from None
    customer = customer_service.get(db, tenant_id=user.tenant_id, id=user.customer_id or -1)
    fields = body.model_dump()
    if fields.get("address_id") is None and customer.addresses:
        fields["address_id"] = customer.addresses[0].id
    appliance_service.create(db, tenant_id=user.tenant_id, customer_id=customer.id, actor=user, **fields)
    return see_other("/portal")
