"""The one recorder of work-order events and the registry of what the platform does about them.

Every ``work_order_event`` row is written by ``record``: a move of the state table (``actions.perform``),
intake, a dispatch step that leaves the state alone (an offer escalated, the pool opened), a photo, a held
slot at risk. After the row is written, ``record`` runs the handlers registered for its action, in the
order they were registered, in the caller's transaction; a handler writes rows (a survey, an outbox
message, the next offer) and never sends anything itself.

This module names no consumer. The domains that react (dispatch, feedback, notify, and later parts,
contracts, telemetry) are registered in one place, ``anxin.wiring``, which the app, the workers and the
command line load at start-up; recording an event before that is refused rather than silently skipping
the reactions."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from anxin import clock
from anxin.auth.models import User
from anxin.database import insert_loaded
from anxin.work_order.models import WorkOrder, WorkOrderEvent


@dataclass(frozen=True)
class Recorded:
    """What a handler is given: the order as it is after the event, the event row, who acted."""

    order: WorkOrder
    event: WorkOrderEvent
    actor: User

    @property
    def action(self) -> str:
        return self.event.action


Handler = Callable[[Session, Recorded], None]


@dataclass(frozen=True)
class Registration:
    name: str
    handler: Handler
    actions: frozenset[str]


class NotWired(RuntimeError):
    """An event was recorded before ``anxin.wiring.wire()`` registered the reactions."""


_registry: dict[str, Registration] = {}
_wired: list[bool] = []


def register(name: str, handler: Handler, *, on: Iterable[str]) -> None:
    """Run ``handler`` after every event whose action is in ``on``. Registering the same name with the same
    handler again changes nothing (the wiring may be loaded twice); another handler under a taken name is
    an error, so a reaction can be neither doubled nor silently replaced."""
    registration = Registration(name, handler, frozenset(on))
    current = _registry.get(name)
    if current is not None:
        if current != registration:
            raise ValueError(f"a different handler is already registered as {name!r}")
        return
    _registry[name] = registration


def mark_wired() -> None:
    """Called by ``anxin.wiring.wire`` once every domain has registered."""
    if not _wired:
        _wired.append(True)


def is_wired() -> bool:
    return bool(_wired)


def handlers_for(action: str) -> list[str]:
    """The names of the handlers an event with ``action`` runs, in order."""
    return [r.name for r in _registry.values() if action in r.actions]


def registrations() -> list[Registration]:
    return list(_registry.values())


def record(
    db: Session,
    *,
    order: WorkOrder,
    action: str,
    actor: User,
    from_status: str | None,
    payload: dict[str, Any] | None = None,
    note: str | None = None,
    lat: float | None = None,
    lng: float | None = None,
    at: datetime | None = None,
    insert: bool = False,
) -> WorkOrderEvent:
    """Write one event row for ``order`` (its ``to_status`` is the order's status now) and run the
    handlers registered for ``action``. ``actor`` is a person or the tenant's system user
    (``auth.service.system_user``), never nobody. ``insert`` writes the row with a plain INSERT at once
    (intake's hot path, ``database.insert_loaded``); otherwise it is added and flushed with whatever else
    the session holds (an action's order UPDATE goes in the same flush)."""
    if not _wired:
        raise NotWired("order events need their reactions: call anxin.wiring.wire() at start-up")
    event = WorkOrderEvent(
        tenant_id=order.tenant_id,
        work_order_id=order.id,
        action=action,
        from_status=from_status,
        to_status=order.status,
        actor_id=actor.id,
        actor_role=actor.role,
        occurred_at=at or clock.now(),
        lat=lat,
        lng=lng,
        note=note,
        payload=payload or {},
    )
    if insert:
        insert_loaded(db, event)
    else:
        db.add(event)
        db.flush()
    happened = Recorded(order=order, event=event, actor=actor)
    for registration in list(_registry.values()):
        if action in registration.actions:
            registration.handler(db, happened)
    return event
