"""Whose stock each role sees and moves. The permission table (``auth/permissions.py``) says which roles
may read stock or move it at all; this module says which warehouses, within the tenant:

==================  ==========================================  ==========================================
role                sees                                        moves (ships from, receives into, asks for)
==================  ==========================================  ==========================================
admin, dispatcher   every warehouse of the tenant               every warehouse of the tenant
outlet manager      the outlet's store and its technicians'     the same
                    vans
technician          their own van and their outlet's store      their own van
==================  ==========================================  ==========================================

A warehouse the caller does not see is answered as one that does not exist (404); one they see but may not
move is refused (403 ``not_your_warehouse``)."""

from __future__ import annotations

from sqlalchemy import and_, false, or_, select
from sqlalchemy.sql.elements import ColumnElement

from anxin.auth.models import User
from anxin.auth.roles import Role
from anxin.parts.models import Warehouse
from anxin.technician.models import Technician

EVERYWHERE = frozenset({Role.ADMIN, Role.DISPATCHER})


def _team(user: User):
    return select(Technician.id).where(
        Technician.tenant_id == user.tenant_id, Technician.outlet_id == (user.outlet_id or -1)
    )


def seen(user: User) -> ColumnElement[bool]:
    """The SQL condition on ``Warehouse`` for the warehouses ``user`` sees."""
    tenant = Warehouse.tenant_id == user.tenant_id
    if user.role in EVERYWHERE:
        return tenant
    if user.role == Role.OUTLET_MANAGER:
        mine = or_(Warehouse.outlet_id == (user.outlet_id or -1), Warehouse.technician_id.in_(_team(user)))
        return and_(tenant, mine)
    if user.role == Role.TECHNICIAN:
        own_outlet = (
            select(Technician.outlet_id)
            .where(Technician.id == (user.technician_id or -1), Technician.tenant_id == user.tenant_id)
            .scalar_subquery()
        )
        van = Warehouse.technician_id == (user.technician_id or -1)
        store = and_(Warehouse.level == "outlet", Warehouse.outlet_id == own_outlet)
        return and_(tenant, or_(van, store))
    return false()


def moves(user: User, warehouse: Warehouse, *, outlet_of_van: int | None = None) -> bool:
    """Whether ``user`` may move stock in ``warehouse`` (one they see: ``seen``). ``outlet_of_van`` is the
    outlet of the van's technician, for an outlet manager."""
    if warehouse.tenant_id != user.tenant_id:
        return False
    if user.role in EVERYWHERE:
        return True
    if user.role == Role.TECHNICIAN:
        return warehouse.technician_id is not None and warehouse.technician_id == user.technician_id
    if user.role == Role.OUTLET_MANAGER and user.outlet_id is not None:
        if warehouse.outlet_id == user.outlet_id:
            return True
        return warehouse.technician_id is not None and outlet_of_van == user.outlet_id
    return False
