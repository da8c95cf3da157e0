"""The quality loop in the demo's history: how customers answer the follow-up survey of each order, what
the desk does with a low score (the callback, the complaint draft registered or discarded, the complaint
investigated and closed with a responsibility), the odd complaint that comes in on the hotline, and one
major complaint left without an owner so that the first sweep of the served demo reminds and escalates it.

Everything goes through the real actions (``followup.answer``, ``complaints.perform``, ``tasks.done``) at
moments on the history's clock, so surveys, scorecards, tasks and complaints are what the product would
have made of those ninety days.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from anxin import clock
from anxin.auth.models import User
from anxin.auth.roles import Role
from anxin.feedback import tasks
from anxin.feedback.complaints import desk as complaints
from anxin.feedback.complaints import sweep as complaint_sweep
from anxin.feedback.followup import surveys as followup
from anxin.feedback.models import Complaint, ServiceTask
from anxin.notify.models import OutboxMessage
from anxin.technician.models import Technician
from anxin.work_order.models import WorkOrder


class Replay(Protocol):
    """What the follow-up and complaint voices use of the history's replay (``history.Simulation``)."""

    db: Session
    rng: random.Random
    anchor: datetime
    by_role: dict[Role, list[User]]
    completed: list[tuple[WorkOrder, Any]]
    order: WorkOrder | None

    def after(self, minutes: float, step: Callable[[], Any], *, working: bool = False) -> Any: ...

    def do(self, action: str, actor: User, **ctx: Any) -> Callable[[], Any]: ...


# What becomes of a completed order's survey: the customer answers the link, an agent records it on the
# phone after the 48-hour call task, or nobody reaches the customer (the survey waits, then expires).
ANSWERED_BY = [("link", 55), ("phone", 30), ("none", 15)]
COMMENTS = {
    5: ["师傅很专业，准时上门，讲解清楚。", "服务很好，点赞！", "修得很快，态度很好。", ""],
    4: ["整体满意，就是等得有点久。", "师傅不错，价格稍贵。", ""],
    3: ["修好了，但是沟通一般。", "上门比约定晚了。"],
    2: ["师傅迟到一个多小时，也没提前说。", "收费和电话里说的不一样。", "修完没两天又有点问题。"],
    1: ["态度很差，不会再用了。", "弄脏了地板也不收拾。"],
}
RESPONSIBILITY = [("technician", 45), ("outlet", 10), ("product", 15), ("parts", 10), ("customer", 8),
                  ("none", 12)]  # fmt: skip
RESOLUTIONS = [
    "已向客户致歉，安排主管回访并复查设备。",
    "已核实情况，退还多收费用并对工程师进行批评教育。",
    "已安排二次上门免费检修，客户认可处理结果。",
]
HOTLINE_COMPLAINTS = [
    ("timeliness", "预约时间到了师傅没来，电话也打不通。"),
    ("price", "配件价格比官网贵很多，要求解释。"),
    ("quality", "维修后同样的问题又出现了。"),
    ("attitude", "师傅说话很冲，不耐烦。"),
]
BAD_PATCH_DAYS = 40
HOTLINE_SHARE = 0.008  # complaints called in about a completed order, apart from the survey
MAJOR_SHARE = 0.25


def _pick(rng: random.Random, weighted: list[tuple[Any, float]]) -> Any:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


class Voices:
    """How each technician tends to be rated (most well, a few less so, one going through a bad patch
    over the last month), and the follow-up and complaint steps of one order's story."""

    def __init__(self, sim: Replay, technicians: list[Technician]) -> None:
        self.sim = sim
        rng = sim.rng
        self.mean = {t.id: min(5.0, max(4.6, rng.gauss(4.8, 0.1))) for t in technicians}
        ordered = sorted(technicians, key=lambda t: t.id)
        for weaker in rng.sample(ordered, k=min(2, len(ordered))):
            self.mean[weaker.id] = 4.1
        # a bad patch: the first well-rated technician (not tech01, the demo's technician login) rated
        # after the patch begins is rated low from then on
        self.tech01 = ordered[0].id if ordered else None
        self.struggling: int | None = None
        self.bad_patch_from = sim.anchor - timedelta(days=BAD_PATCH_DAYS)

    # -- the survey ------------------------------------------------------------------------------------

    def answers(self, technician_id: int | None, at: datetime) -> followup.Answers:
        rng = self.sim.rng
        mean, spread = self.mean.get(technician_id, 4.7), 0.5
        if (
            self.struggling is None
            and at >= self.bad_patch_from
            and technician_id != self.tech01
            and mean > 4.5
        ):
            self.struggling = technician_id
        if technician_id == self.struggling and at >= self.bad_patch_from:
            mean, spread = 1.5, 0.3
        overall = min(5, max(1, round(rng.gauss(mean, spread))))
        dims = [min(5, max(1, overall + _pick(rng, [(-1, 2), (0, 6), (1, 1)]))) for _ in range(4)]
        if overall <= 2:
            dims[rng.randrange(4)] = min(dims[0], overall)  # what the low overall is about
        nps = {5: (9, 10), 4: (7, 9), 3: (5, 7), 2: (2, 5), 1: (0, 3)}[overall]
        return followup.Answers(
            attitude=dims[0],
            skill=dims[1],
            punctuality=dims[2],
            promises=dims[3],
            overall=overall,
            nps=rng.randint(*nps),
            comment=rng.choice(COMMENTS[overall]) or None,
            resolved=rng.random() < (0.95 if overall >= 3 else 0.6),
        )

    def follow_up(self) -> None:
        """The order has just been completed (or solved remotely): its survey's story."""
        sim, rng, db = self.sim, self.sim.rng, self.sim.db
        order = sim.order
        survey = followup.for_order(db, order=order)
        if survey is None:
            return
        way = _pick(rng, ANSWERED_BY)
        if way == "none":
            return
        agent = rng.choice(sim.by_role[Role.AGENT])
        if way == "link":
            delay, actor, via = rng.uniform(20, 900), None, "link"
        else:
            delay, actor, via = rng.uniform(2900, 4000), agent, "phone"

        def answer() -> None:
            answers = self.answers(survey.technician_id, clock.now())
            followup.answer(db, survey=survey, answers=answers, actor=actor, via=via)

        sim.after(delay, answer, working=True)
        closer = rng.choice(sim.by_role[Role.QUALITY] if rng.random() < 0.8 else sim.by_role[Role.ADMIN])
        sim.after(rng.uniform(10, 2880), sim.do("close", closer), working=True)
        draft = db.scalar(select(Complaint).where(Complaint.survey_id == survey.id))
        if draft is not None:
            self._callback(survey.id, agent)
            self._handle(draft, from_draft=True)
        elif rng.random() < HOTLINE_SHARE:
            self._hotline(order, agent)

    # -- the desk --------------------------------------------------------------------------------------

    def _callback(self, survey_id: int, agent: User) -> None:
        sim, db = self.sim, self.sim.db
        task = db.scalar(
            select(ServiceTask).where(ServiceTask.survey_id == survey_id, ServiceTask.kind == "callback")
        )
        if task is not None:
            outcome = "已回电致歉，记录客户诉求并转质检。"
            sim.after(
                sim.rng.uniform(30, 300), lambda: tasks.done(db, task=task, actor=agent, outcome=outcome)
            )

    def _hotline(self, order: WorkOrder, agent: User) -> None:
        sim, rng = self.sim, self.sim.rng
        category, text = rng.choice(HOTLINE_COMPLAINTS)
        severity = "major" if rng.random() < MAJOR_SHARE else "general"
        made: list[Complaint] = []

        def call() -> None:
            made.append(
                complaints.create(
                    sim.db,
                    actor=agent,
                    channel="hotline",
                    category=category,
                    severity=severity,
                    description=text,
                    work_order_id=order.id,
                )
            )

        sim.after(rng.uniform(120, 4000), call, working=True)
        self._handle(made[0], from_draft=False)

    def _move(self, complaint: Complaint, action: str, actor: User, **fields: Any) -> Callable[[], Any]:
        return lambda: complaints.perform(
            self.sim.db, complaint=complaint, action=action, actor=actor, **fields
        )

    def _handle(self, complaint: Complaint, *, from_draft: bool) -> None:
        """Quality's work on one complaint, step by step, as far as the history's clock reaches."""
        sim, rng = self.sim, self.sim.rng
        owner = rng.choice(sim.by_role[Role.QUALITY])
        if from_draft:
            if rng.random() < 0.3:
                sim.after(rng.uniform(30, 480), self._move(complaint, "discard", owner), working=True)
                return
            sim.after(rng.uniform(30, 480), self._move(complaint, "register", owner), working=True)
        hours = 3 if complaint.severity == "major" else 1
        sim.after(
            rng.uniform(20, 300 * hours),
            self._move(complaint, "assign", owner, owner_id=owner.id),
            working=True,
        )
        sim.after(rng.uniform(20, 240), self._move(complaint, "investigate", owner), working=True)
        resolution = rng.choice(RESOLUTIONS)
        resolve = self._move(complaint, "resolve", owner, resolution=resolution)
        sim.after(rng.uniform(240, 2400), resolve, working=True)
        agent = rng.choice(sim.by_role[Role.AGENT])
        if rng.random() < 0.1:  # the customer does not accept the first answer: a second round
            sim.after(
                rng.uniform(60, 1440), self._move(complaint, "reopen", agent, note="客户不认可处理结果")
            )
            sim.after(rng.uniform(240, 1440), resolve, working=True)
        sim.after(rng.uniform(60, 1440), self._move(complaint, "confirm", agent), working=True)
        compensation = rng.choice([5000, 10000, 20000]) if rng.random() < 0.2 else None
        close = self._move(
            complaint,
            "close",
            owner,
            responsibility=_pick(rng, RESPONSIBILITY),
            compensation_fen=compensation,
        )
        sim.after(rng.uniform(30, 600), close, working=True)
        if compensation:
            admin = rng.choice(sim.by_role[Role.ADMIN])
            sim.after(
                rng.uniform(60, 1440), self._move(complaint, "approve-compensation", admin), working=True
            )


def finish(db: Session, sim: Replay, anchor: datetime) -> None:
    """The history's messages went out when they were written: those older than a day are marked
    delivered then (the served demo's worker delivers the rest). A major complaint registered about two days ago that nobody took: the sweep that ran this morning
    reminded quality, and the one just now escalated it to the managers. Then the follow-up sweep's
    last pass: call tasks for surveys nobody answered, expiry of the old ones."""
    db.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == "pending", OutboxMessage.created_at < anchor - timedelta(days=1))
        .values(status="sent", sent_at=OutboxMessage.created_at, attempts=1)
    )
    completed = [order for order, _ in sim.completed if order.completed_at < anchor - timedelta(days=3)]
    if not completed:
        return
    order = completed[-1]
    agent = sim.by_role[Role.AGENT][0]
    with clock.travel(anchor - timedelta(hours=50)):
        complaints.create(
            db,
            actor=agent,
            channel="hotline",
            category="quality",
            severity="major",
            description="空调维修后第二天漏水，泡坏了木地板，要求赔偿。",
            work_order_id=order.id,
        )
    for hours in (20, 1):
        moment = anchor - timedelta(hours=hours)
        with clock.travel(moment):
            complaint_sweep.sweep(db, now=moment)
            followup.sweep(db, now=moment)
