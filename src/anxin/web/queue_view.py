"""The dispatcher's queue (``/console``) as people read it: a search by order number, phone or name; the
customer, category and technician of each order; which deadline the countdown counts to; and the filters
kept across an action (the page an action returns to keeps the query it was taken from)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

from fastapi import Request

from anxin import clock
from anxin.auth.models import User
from anxin.customer import service as customer_service
from anxin.customer import visibility
from anxin.dependencies import DbSession
from anxin.masking import mask_phone
from anxin.technician import service as technician_service
from anxin.web import i18n
from anxin.web.board_data import Deadline, deadline_of, duration_text
from anxin.work_order import api
from anxin.work_order.models import WorkOrder

KEPT = ("area", "category", "state", "q")  # the queue's filters, kept across an action


def deadlines(db: DbSession, found: list[WorkOrder], now: datetime) -> dict[int, Deadline]:
    return {o.id: deadline_of(db, o, now) for o in found}


def customer_columns(db: DbSession, *, user: User, found: list[WorkOrder]) -> dict[int, tuple[str, str]]:
    """Each order's customer as the queue shows it: the name, and the phone as the viewer may read it
    through the order (``customer/visibility.py``: whole or masked)."""
    customers: dict[int, object] = {}
    out = {}
    for order in found:
        customer = customers.get(order.customer_id)
        if customer is None:
            customer = customers[order.customer_id] = customer_service.get(
                db, tenant_id=user.tenant_id, id=order.customer_id
            )
        whole = visibility.sees_phone(user, customer_id=customer.id, order=api.side(order))
        out[order.id] = (customer.name, customer.phone if whole else mask_phone(customer.phone))
    return out


def matches(db: DbSession, *, user: User, found: list[WorkOrder], q: str) -> list[WorkOrder]:
    """The orders whose number holds ``q``, or whose customer's phone or name matches it (the customer
    search's rule: a whole number, its last digits, a name's beginning)."""
    q = q.strip()
    if not q:
        return found
    lowered = q.lower()
    ids = {
        c.id for c in customer_service.search(db, tenant_id=user.tenant_id, q=q, page=1, page_size=500).items
    }
    return [o for o in found if lowered in o.number.lower() or o.customer_id in ids]


def technician_names(db: DbSession, *, user: User, found: list[WorkOrder]) -> dict[int, str]:
    ids = {o.technician_id for o in found if o.technician_id}
    return {i: technician_service.get(db, tenant_id=user.tenant_id, id=i).name for i in ids}


def back_to_console(request: Request, order_id: int) -> str:
    """Where an action of the console returns: the order's panel, with the queue's filters of the page the
    action was taken from (its ``Referer``, when that is this site's console)."""
    kept: dict[str, str] = {}
    referer = request.headers.get("referer") or ""
    own = str(request.base_url)
    if referer.startswith(own):
        parts = urlsplit(referer)
        if parts.path == "/console":
            query = parse_qs(parts.query)
            kept = {k: query[k][0][:100] for k in KEPT if query.get(k) and query[k][0]}
    return "/console?" + urlencode({"order": order_id, **kept})


# The score's parts in words, by the names the API gives them (``ComponentRead.name``).
PART_WORDS = {
    "eta": ("到达", "arrival"),
    "sla_slack": ("时限余量", "SLA slack"),
    "load": ("当日负荷", "day's load"),
    "rating": ("评分", "rating"),
    "first_time_fix": ("一次修复率", "first-time fix"),
    "affinity": ("熟悉此设备", "knows the appliance"),
    "fairness": ("派单均衡", "fair share"),
}

i18n.extend(
    {
        "reported_photo": ("客户报修照片", "The customer's photo"),
        # a dispatch attempt's mode and outcome on the order's panel (dispatch.models.DispatchAttempt)
        "da_mode_auto": ("自动派单", "Automatic"),
        "da_mode_pool": ("抢单池", "Pool"),
        "da_mode_manual": ("人工派单", "By hand"),
        "da_out_pending": ("待接单", "Waiting"),
        "da_out_acknowledged": ("已接单", "Acknowledged"),
        "da_out_rejected": ("已拒单", "Rejected"),
        "da_out_timeout": ("超时未接", "Timed out"),
        "da_out_withdrawn": ("已收回", "Withdrawn"),
        "cq_current": ("当前师傅", "current technician"),
        "cq_sorted": (
            "按综合得分排序：到达时间只占其中一部分，时限余量、当日负荷、评分、一次修复率、熟悉此设备和派单均衡也计入。",
            "Sorted by the overall score: arrival is one part of it, with SLA slack, the day's load, rating, "
            "first-time fix, knowing the appliance and a fair share.",
        ),
        "cq_arrives": ("{at} 到达（{wait}后）", "arrives {at} (in {wait})"),
        "cq_busy_until": ("{at} 出发", "sets off at {at}"),
        "cq_drive": ("车程 {drive} · {km} 公里", "drive {drive} · {km} km"),
        "cq_earlier": (
            "比第1位早到 {gain}，但综合得分较低",
            "arrives {gain} before the first, but scores lower overall",
        ),
    }
)


@dataclass(frozen=True)
class CandidateRow:
    """A ranked candidate as the console's panel shows it."""

    technician_id: int
    name: str
    score: float
    current: bool
    arrives: str
    busy_until: str
    drive: str
    parts: list[str]
    reasons: list[str]
    note: str


def candidate_rows(
    candidates, *, current_id: int | None, now: datetime, zone, lang: str
) -> list[CandidateRow]:
    """Each candidate: when they arrive and after how long (hours and minutes), whether they finish other
    work first, the drive and distance, the score's parts as points of their weight, the other reasons, and
    (for one who would arrive before the first) why they are ranked below it."""
    en = lang == "en"
    rows = []
    first = candidates[0] if candidates else None
    for c in candidates:
        eta = clock.as_utc(c.eta)
        leave = eta - timedelta(minutes=c.travel_minutes)
        at = f"{eta.astimezone(zone):%H:%M}"
        busy = ""
        if leave - clock.as_utc(now) > timedelta(minutes=5):
            busy = i18n.translate(lang, "cq_busy_until").format(at=f"{leave.astimezone(zone):%H:%M}")
        parts = [
            f"{PART_WORDS.get(p.name, (p.name, p.name))[1 if en else 0]} {p.points:.0f}/{p.weight}"
            for p in c.components
        ]
        note = ""
        if first is not None and c is not first and clock.as_utc(c.eta) < clock.as_utc(first.eta):
            gain = (clock.as_utc(first.eta) - eta).total_seconds() / 60
            note = i18n.translate(lang, "cq_earlier").format(
                gain=duration_text(gain, lang).removeprefix("约 ")
            )
        rows.append(
            CandidateRow(
                technician_id=c.technician_id,
                name=c.name,
                score=c.score,
                current=c.technician_id == current_id,
                arrives=i18n.translate(lang, "cq_arrives").format(
                    at=at, wait=duration_text(c.eta_minutes, lang).removeprefix("约 ")
                ),
                busy_until=busy,
                drive=i18n.translate(lang, "cq_drive").format(
                    drive=duration_text(c.travel_minutes, lang), km=f"{c.travel_km:.1f}"
                ),
                parts=parts,
                reasons=[r.text(lang) for r in c.reasons if r.code != "eta"],
                note=note,
            )
        )
    return rows
