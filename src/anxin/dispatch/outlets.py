"""Two-level dispatch: the centre sends an order to an outlet, the outlet passes it to a sub-outlet it works
with (二级网点) or asks the centre to take it back, and the centre decides. None of these moves the order's
state; each is an event on the order."""

from __future__ import annotations

from sqlalchemy.orm import Session

from anxin.auth.models import User
from anxin.auth.roles import Role
from anxin.dispatch.matching import assignment
from anxin.dispatch.matching.offers import note
from anxin.exceptions import AnxinError, InvalidInput
from anxin.technician import service as technician_service
from anxin.work_order.actions import Context
from anxin.work_order.models import WorkOrder
from anxin.work_order.states import BEFORE_VISIT, Status


class OutletMoveRefused(AnxinError):
    status_code = 409
    code = "outlet_move_refused"
    message_zh = "{zh}"
    message_en = "{en}"


def _placeable(order: WorkOrder) -> None:
    if order.status not in BEFORE_VISIT or order.status in (Status.CREATED,):
        raise OutletMoveRefused(
            zh=f"工单状态为 {order.status}，只有已受理、尚未上门的工单可以改派网点",
            en=f"The order is {order.status}: only accepted orders not yet visited can change outlet",
        )


def send_to_outlet(db: Session, *, order: WorkOrder, outlet_id: int, actor: User) -> WorkOrder:
    _placeable(order)
    outlet = technician_service.get_outlet(db, tenant_id=order.tenant_id, id=outlet_id)
    if outlet.coverage and order.district not in outlet.coverage:
        raise InvalidInput(
            "outlet_id",
            f"{outlet.name}不覆盖{order.district}",
            f"{outlet.code} does not cover {order.district}",
        )
    previous = order.outlet_id
    order.outlet_id, order.outlet_return_reason = outlet.id, None
    note(
        db,
        order=order,
        actor=actor,
        action="send-to-outlet",
        payload={"outlet_id": outlet.id, "previous_outlet_id": previous},
    )
    db.flush()
    return order


def transfer(db: Session, *, order: WorkOrder, outlet_id: int, actor: User, reason: str | None) -> WorkOrder:
    """An outlet passes its order on to one of its sub-outlets."""
    _placeable(order)
    if actor.role == Role.OUTLET_MANAGER and order.outlet_id != actor.outlet_id:
        raise OutletMoveRefused(zh="该工单不在本网点", en="The order is not with your outlet")
    target = technician_service.get_outlet(db, tenant_id=order.tenant_id, id=outlet_id)
    if target.parent_id != order.outlet_id:
        raise InvalidInput(
            "outlet_id", "只能转给本网点的二级网点", "pass orders only to your own sub-outlets"
        )
    if order.technician_id is not None:
        raise OutletMoveRefused(
            zh="工单已派给工程师，请先收回再转网点",
            en="The order has a technician: take it back before passing it on",
        )
    previous = order.outlet_id
    order.outlet_id = target.id
    note(
        db,
        order=order,
        actor=actor,
        action="transfer-outlet",
        payload={"outlet_id": target.id, "previous_outlet_id": previous},
        text=reason,
    )
    db.flush()
    return order


def request_return(db: Session, *, order: WorkOrder, actor: User, reason: str) -> WorkOrder:
    """The outlet asks the centre to take the order back."""
    _placeable(order)
    if order.outlet_id is None or (actor.role == Role.OUTLET_MANAGER and order.outlet_id != actor.outlet_id):
        raise OutletMoveRefused(zh="该工单不在本网点", en="The order is not with your outlet")
    if order.outlet_return_reason:
        raise OutletMoveRefused(
            zh="已申请退回，等待中心处理", en="A return is already waiting for the centre"
        )
    order.outlet_return_reason = reason
    note(
        db,
        order=order,
        actor=actor,
        action="request-return",
        payload={"outlet_id": order.outlet_id},
        text=reason,
    )
    db.flush()
    return order


def decide_return(db: Session, *, order: WorkOrder, actor: User, accept: bool, text: str | None) -> WorkOrder:
    if not order.outlet_return_reason:
        raise OutletMoveRefused(zh="没有待处理的退回申请", en="There is no return request to decide")
    outlet_id = order.outlet_id
    if accept:
        if order.technician_id is not None:
            assignment.unassign(db, order=order, actor=actor, ctx=Context(reason="网点退回，中心收回"))
        order.outlet_id = None
    order.outlet_return_reason = None
    note(
        db,
        order=order,
        actor=actor,
        action="decide-return",
        payload={"outlet_id": outlet_id, "accepted": accept},
        text=text,
    )
    db.flush()
    return order
