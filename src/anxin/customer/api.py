"""What routes about one customer share, whichever domain's router they are in: the customer from the path
(``CurrentCustomer``: staff reach any customer of their tenant, a customer only themselves)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from anxin.auth.roles import Role
from anxin.customer import service
from anxin.customer.models import Customer
from anxin.dependencies import CurrentUser, DbSession
from anxin.exceptions import NotFound
from anxin.fields import Id


def current_customer(customer_id: Id, db: DbSession, user: CurrentUser) -> Customer:
    """Staff reach any customer of their tenant, a customer only themselves; the rest is 404."""
    if user.role == Role.TECHNICIAN or (user.role == Role.CUSTOMER and user.customer_id != customer_id):
        raise NotFound("customer", "客户")
    return service.get(db, tenant_id=user.tenant_id, id=customer_id)


CurrentCustomer = Annotated[Customer, Depends(current_customer)]
