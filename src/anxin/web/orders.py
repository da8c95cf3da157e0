"""What every page shows about one order, gathered through the domain services (no queries of its own
beyond reading the rows an order points to), and the small helpers the page actions share."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from anxin import clock, fields
from anxin.appliance import service as appliance_service
from anxin.appliance.models import Appliance
from anxin.auth.models import User
from anxin.catalog import service as catalog_service
from anxin.customer import service as customer_service
from anxin.customer import visibility
from anxin.customer.models import Address, Customer
from anxin.dependencies import DbSession
from anxin.knowledge import visit_aids
from anxin.masking import mask_phone, redact_phones
from anxin.technician import service as technician_service
from anxin.technician.models import Technician
from anxin.work_order import actions, api, photos, service
from anxin.work_order.models import Quote, WorkOrder, WorkOrderPhoto
from anxin.work_order.schemas import CustomerEventRead, EventRead
from anxin.work_order.states import actions_from

SLA_RANK = {"breached": 0, "at_risk": 1, "on_track": 2, None: 3}


@dataclass
class OrderView:
    """One order with what its page needs."""

    order: WorkOrder
    sla_state: str | None
    actions: list[str]
    customer: Customer
    address: Address | None
    appliance: Appliance
    appliance_name: str
    category_name: str
    warranty: str
    technician: Technician | None
    events: list[EventRead] | list[CustomerEventRead] = field(default_factory=list)
    photos: list[WorkOrderPhoto] = field(default_factory=list)
    quote: Quote | None = None
    history: list[WorkOrder] = field(default_factory=list)  # the appliance's earlier orders
    visits: list = field(default_factory=list)  # the same with fault, outcome, parts (visit_aids)
    # The customer's phone and the fault as this viewer may read them (``customer/visibility.py``): whole
    # (``phone_whole``: the page offers a call) or masked.
    customer_phone: str = ""
    phone_whole: bool = False
    fault: str = ""

    @property
    def address_text(self) -> str:
        a = self.address
        return f"{a.city}{a.district}{a.detail}" if a else ""


def view(db: DbSession, *, user: User, order: WorkOrder, lang: str = "zh", full: bool = True) -> OrderView:
    """Gather ``order`` for ``user`` (who has already been allowed to see it by ``service.get_for``)."""
    tenant_id = order.tenant_id
    customer = customer_service.get(db, tenant_id=tenant_id, id=order.customer_id)
    address = (
        customer_service.get_address(db, tenant_id=tenant_id, id=order.address_id)
        if order.address_id
        else None
    )
    appliance = appliance_service.get(db, tenant_id=tenant_id, id=order.appliance_id)
    model, category = catalog_service.get_model_and_category(
        db, tenant_id=tenant_id, id=appliance.product_model_id
    )
    brand = catalog_service.get_brand(db, tenant_id=tenant_id, id=model.brand_id)
    brand_name = brand.name_en if lang == "en" else brand.name_zh
    technician = (
        technician_service.get(db, tenant_id=tenant_id, id=order.technician_id)
        if order.technician_id
        else None
    )
    result = OrderView(
        order=order,
        sla_state=service.sla_state_of(order, clock.now()),
        actions=actions_from(order.status, user.role),
        customer=customer,
        address=address,
        appliance=appliance,
        appliance_name=f"{_with_brand(brand_name, model.name)} ({model.model_code})",
        category_name=category.name_en if lang == "en" else category.name_zh,
        warranty=order.warranty_status,
        technician=technician,
    )
    result.phone_whole = visibility.sees_phone(user, customer_id=customer.id, order=api.side(order))
    result.customer_phone = customer.phone if result.phone_whole else mask_phone(customer.phone)
    result.fault = order.fault_description if result.phone_whole else redact_phones(order.fault_description)
    if full:
        result.events = list(api.events_for(db, order=order, user=user))  # the customer's shape for them
        result.photos = photos.list_for(db, order=order)
        result.quote = actions.latest_quote(db, order=order)
        result.history = list(
            service.history_of(db, tenant_id=tenant_id, appliance_id=order.appliance_id, before=order)
        )
        if user.role != "customer":  # remote diagnosis, for the staff and the technician
            result.visits = visit_aids.appliance_history(
                db, tenant_id=tenant_id, appliance_id=order.appliance_id, before=order
            )
    return result


def context_from(form: dict[str, Any]) -> actions.Context:
    """The action context from a submitted form: version, reason, note, coordinates. An empty version or
    location is None; one that is not a number in range is refused (``InvalidInput``: an error page)."""
    return actions.Context(
        version=fields.form_version(form.get("version")),
        reason=(form.get("reason") or None),
        note=(form.get("note") or None),
        lat=fields.form_coordinate("lat", form.get("lat"), -90, 90),
        lng=fields.form_coordinate("lng", form.get("lng"), -180, 180),
        accuracy_m=fields.form_coordinate("accuracy_m", form.get("accuracy_m"), 0, 100_000),
    )


def sort_by_risk(orders: list[WorkOrder], now: datetime) -> list[WorkOrder]:
    """Breached first, then at risk, then on track; within each, the nearest deadline first."""
    far = datetime.max.replace(tzinfo=now.tzinfo)
    return sorted(
        orders,
        key=lambda o: (
            SLA_RANK[service.sla_state_of(o, now)],
            clock.as_utc(o.sla_due_at) if o.sla_due_at else far,
        ),
    )


def _with_brand(brand: str, model: str) -> str:
    """The model's name with its brand in front, once ("海尔 三门冰箱", not "海尔 海尔 三门冰箱")."""
    return model if not brand or model.startswith(brand) else f"{brand} {model}"
