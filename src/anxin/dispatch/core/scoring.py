"""Who should take an order: hard rules that refuse, then a documented score that ranks. Pure functions over
plain dataclasses, so the API, the auto-dispatcher and the city simulator rank the same way.

Hard rules, each with its own refusal code, checked in this order:

``suspended``, ``off_duty``, ``auto_dispatch_paused`` (auto mode only; see below), ``crew_size``,
``coverage``, ``skill``, ``level``, ``triage_skill`` (the skill triage suggested from the description, when
it differs from the booked one: held at its level), ``brand``, ``certificate``, ``capacity``, ``off_shift``
(they could not arrive before their shift ends).

The score is out of 100, a weighted sum of components each scaled to 0..1 (``WEIGHTS``):

=================  ====  ==========================================================================
component          pts   1.0 means
=================  ====  ==========================================================================
``eta``            35    could be at the door now; 0 at two hours or more (linear)
``sla_slack``      20    arrives two hours or more before the arrival limit (or inside the booked
                         window); 0 when the limit would be missed
``load``           10    nothing booked yet today; 0 at their daily capacity
``rating``         10    rated 5.0; 0 at 4.0 or below; 0.5 when fewer than 5 ratings
``first_time_fix`` 10    fixed every job of this category at the first visit; 0.5 when unknown
``affinity``       10    did the last visit on this appliance and the new order is its rework (0.5
                         for a plain repeat visit)
``fairness``        5    had far fewer orders in the last 7 days than the qualified team's mean
=================  ====  ==========================================================================

Equal scores are broken by the scorecard grade (gold, then silver, then bronze, then none; ``GRADE_RANK``),
then by the earlier ETA: the grade never outweighs a point of score.

A technician suspended by quality (``quality_suspended``: a run of low ratings or too many penalty points)
is refused ``auto_dispatch_paused`` in every mode, so the auto-dispatcher, the order pool and day plans
skip them; a dispatcher assigning by hand may overrule it (a soft limit), and the event says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from operator import itemgetter

from anxin.dispatch.core.rules import CERTIFICATE_ZH, LEVEL_ZH, Requirement, level_rank
from anxin.dispatch.core.travel import TravelModel
from anxin.geo import Point

WEIGHTS: dict[str, int] = {
    "eta": 35,
    "sla_slack": 20,
    "load": 10,
    "rating": 10,
    "first_time_fix": 10,
    "affinity": 10,
    "fairness": 5,
}
ETA_HORIZON_MINUTES = 120
SLACK_COMFORT_MINUTES = 120
TOP_RATING = 4.8
MIN_RATINGS = 5
GRADE_RANK = {"gold": 3, "silver": 2, "bronze": 1}


@dataclass(frozen=True)
class Job:
    """An order as dispatch sees it."""

    order_id: int
    category: str
    service_type: str
    point: Point
    requirement: Requirement = field(default_factory=Requirement)
    brand: str | None = None  # the brand's code, which technicians' authorisations name
    brand_names: tuple[str, str] | None = None  # what a person reads: Chinese, English
    district: str | None = None
    priority: str = "normal"
    vulnerable: bool = False  # elderly or infant household
    created_at: datetime | None = None
    arrive_by: datetime | None = None
    window: tuple[datetime, datetime] | None = None  # the customer's booked or preferred window
    service_minutes: int = 60
    last_technician_id: int | None = None  # who did the last visit on this appliance
    rework: bool = False
    # the skill triage suggested from the description (category, service type, level), when it asks more
    # than the booked category and service type: a hard rule too (``triage_skill``)
    triage_skill: tuple[str, str, str] | None = None
    # what triage suggested, shown beside the candidates: (category, service type, level, source), the
    # source "model" (triage's own answer) or "agent_correction"; None when it was unsure or not run
    suggested_skill: tuple[str, str, str, str] | None = None


@dataclass(frozen=True)
class Shift:
    start: datetime
    end: datetime
    breaks: tuple[tuple[datetime, datetime], ...] = ()


@dataclass(frozen=True)
class Tech:
    """A technician (or a crew, ``size`` > 1) as dispatch sees them at one moment."""

    id: int
    name: str = ""
    status: str = "available"  # off | available | busy | travelling | suspended
    outlet_id: int | None = None
    coverage: frozenset[str] | None = None  # districts; None = anywhere in the tenant
    skills: Mapping[tuple[str, str], str] = field(default_factory=dict)  # (category, service|"*") -> level
    brands: frozenset[str] | None = None  # None = every brand
    certificates: Mapping[str, date] = field(default_factory=dict)  # kind -> expiry date
    shift: Shift | None = None  # today's shift; None = a day off
    capacity: int = 8
    booked: int = 0  # orders on their day already
    free_at: datetime | None = None  # when their current queue ends; None = now
    position: Point | None = None  # where they are (or will be at free_at)
    position_source: str = "base"  # gps | route | base | stale_gps
    rating: float | None = None
    ratings: int = 0
    first_time_fix: float | None = None  # on the job's category
    recent_orders: int = 0  # last 7 days
    auto_dispatch: bool = True  # quality can pause automatic dispatch
    quality_suspended: bool = False  # suspended by the scorecard: out of auto, pool and plans
    grade: str | None = None  # scorecard grade: bronze | silver | gold
    size: int = 1
    member_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class Reason:
    code: str
    zh: str
    en: str

    def text(self, language: str) -> str:
        return self.zh if language == "zh" else self.en


@dataclass(frozen=True)
class Component:
    name: str
    value: float | None  # the raw number (minutes, share, rating …)
    unit: str
    score: float  # 0..1
    weight: int

    @property
    def points(self) -> float:
        return round(self.score * self.weight, 2)


@dataclass(frozen=True)
class Candidate:
    technician_id: int
    name: str
    score: float
    eta: datetime
    eta_minutes: float
    travel_km: float
    travel_minutes: float
    position_source: str
    components: tuple[Component, ...]
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class Ranking:
    candidates: tuple[Candidate, ...]
    refused: dict[int, tuple[Reason, ...]]


def skill_level(tech: Tech, category: str, service_type: str) -> str | None:
    return tech.skills.get((category, service_type)) or tech.skills.get((category, "*"))


def available_from(tech: Tech, now: datetime) -> datetime:
    """When the technician can set off to a new job: after their queue, not before their shift."""
    start = max(now, tech.free_at or now)
    if tech.shift is not None and start < tech.shift.start:
        start = tech.shift.start
    return start


def _after_breaks(moment: datetime, shift: Shift | None) -> datetime:
    if shift is None:
        return moment
    for begin, end in shift.breaks:
        if begin <= moment < end:
            return end
    return moment


def refusals(job: Job, tech: Tech, *, on: date, auto: bool = False) -> list[Reason]:
    """Every rule (but the shift, which needs the ETA) that keeps ``tech`` off ``job``; empty = eligible."""
    out: list[Reason] = []
    need = job.requirement
    if tech.status == "suspended":
        out.append(Reason("suspended", "已停派", "suspended"))
    elif tech.status == "off" or tech.shift is None:
        out.append(Reason("off_duty", "今日不在岗", "off duty today"))
    if tech.quality_suspended:
        out.append(
            Reason("auto_dispatch_paused", "质检停派(评分/扣分)", "suspended by quality (ratings/points)")
        )
    elif auto and not tech.auto_dispatch:
        out.append(Reason("auto_dispatch_paused", "质检暂停自动派单", "automatic dispatch paused by quality"))
    if tech.size < need.crew_size:
        out.append(Reason("crew_size", f"需要{need.crew_size}人班组", f"needs a crew of {need.crew_size}"))
    elif need.crew_size == 1 and tech.size > 1:
        out.append(Reason("crew_size", "单人工单不派班组", "a one-person job goes to one technician"))
    if tech.coverage is not None and job.district not in tech.coverage:
        out.append(Reason("coverage", f"不覆盖{job.district}", f"does not cover {job.district}"))
    level = skill_level(tech, job.category, job.service_type)
    if level is None:
        out.append(Reason("skill", "无此品类/服务技能", f"no {job.category}/{job.service_type} skill"))
    elif level_rank(level) < level_rank(need.level):
        out.append(
            Reason(
                "level",
                f"技能等级{LEVEL_ZH[level]}低于要求的{LEVEL_ZH[need.level]}",
                f"level {level} below the required {need.level}",
            )
        )
    if job.triage_skill is not None:
        category, service_type, wanted = job.triage_skill
        held = skill_level(tech, category, service_type)
        if held is None:
            out.append(
                Reason(
                    "triage_skill",
                    "无分诊建议的技能",
                    f"no {category}/{service_type} skill (suggested by triage)",
                )
            )
        elif level_rank(held) < level_rank(wanted):
            out.append(
                Reason(
                    "triage_skill",
                    f"分诊建议技能等级{LEVEL_ZH[wanted]}，其为{LEVEL_ZH[held]}",
                    f"triage suggests level {wanted}; theirs is {held}",
                )
            )
    if job.brand and tech.brands is not None and job.brand not in tech.brands:
        zh, en = job.brand_names or (job.brand, job.brand)
        out.append(Reason("brand", f"未获{zh}品牌授权", f"not authorised for {en}"))
    for kind in sorted(need.certificates):
        expiry = tech.certificates.get(kind)
        if expiry is None:
            out.append(Reason("certificate", f"缺少{CERTIFICATE_ZH[kind]}", f"no {kind} certificate"))
        elif expiry < on:
            out.append(
                Reason(
                    "certificate",
                    f"{CERTIFICATE_ZH[kind]}已于{expiry}过期",
                    f"{kind} certificate expired {expiry}",
                )
            )
    if tech.booked >= tech.capacity:
        out.append(
            Reason(
                "capacity",
                f"今日已满({tech.booked}/{tech.capacity})",
                f"full today ({tech.booked}/{tech.capacity})",
            )
        )
    return out


def _clamp(value: float) -> float:
    return max(0.0, min(1.0, value))


def _points(name: str, part: float) -> float:
    """A component's points from its unclamped 0..1 score: what ``Component.points`` gives once built."""
    return round(_clamp(part) * WEIGHTS[name], 2)


def rank(
    job: Job,
    techs: Sequence[Tech],
    *,
    travel: TravelModel,
    now: datetime,
    limit: int = 10,
    auto: bool = False,
    on: date | None = None,
) -> Ranking:
    """The eligible technicians for ``job``, best first, with the numbers behind each score; and why each of
    the others was refused. ``on`` is the visit date for certificate validity (default: ``now``'s date)."""
    visit_date = on or now.date()
    refused: dict[int, tuple[Reason, ...]] = {}
    passed: list[tuple[Tech, datetime, float, float]] = []
    for tech in techs:
        reasons = refusals(job, tech, on=visit_date, auto=auto)
        if reasons:
            refused[tech.id] = tuple(reasons)
            continue
        leave = _after_breaks(available_from(tech, now), tech.shift)
        origin = tech.position or job.point
        leg = travel.leg(origin, job.point, leave)
        eta = leave + timedelta(seconds=leg.seconds)
        eta_for_shift = job.window[0] if job.window is not None and eta < job.window[0] else eta
        if tech.shift is not None and eta_for_shift + timedelta(minutes=job.service_minutes) > tech.shift.end:
            refused[tech.id] = (
                Reason(
                    "off_shift",
                    f"下班前无法完成(预计{leg.minutes:.0f}分钟车程)",
                    f"cannot finish before their shift ends ({leg.minutes:.0f} min away)",
                ),
            )
            continue
        passed.append((tech, eta, leg.km, leg.minutes))

    mean_recent = sum(t.recent_orders for t, *_ in passed) / len(passed) if passed else 0.0
    grades = {tech.id: GRADE_RANK.get(tech.grade or "", 0) for tech, *_ in passed}
    # Every eligible technician is scored to be sorted; only the ``limit`` shown get their components and
    # reasons written out (``_candidate``).
    scored = []
    for tech, eta, km, minutes in passed:
        eta_minutes = max(0.0, (eta - now).total_seconds() / 60)
        raw = _components(job, tech, eta, eta_minutes, mean_recent)
        score = round(sum(_points(name, part) for name, _, _, part in raw), 1)
        key = (-score, -grades[tech.id], round(eta_minutes, 1), tech.id)
        scored.append((key, tech, eta, km, minutes, eta_minutes, raw, score))
    scored.sort(key=itemgetter(0))
    return Ranking(
        tuple(
            _candidate(job, tech, eta, km, minutes, eta_minutes, raw, score)
            for _, tech, eta, km, minutes, eta_minutes, raw, score in scored[:limit]
        ),
        refused,
    )


def _components(
    job: Job, tech: Tech, eta: datetime, eta_minutes: float, mean_recent: float
) -> list[tuple[str, float | None, str, float]]:
    """The score's components as (name, raw value, unit, unclamped 0..1 score), in ``WEIGHTS`` order."""
    out: list[tuple[str, float | None, str, float]] = [
        ("eta", eta_minutes, "min", 1 - eta_minutes / ETA_HORIZON_MINUTES)
    ]
    if job.window is not None:
        inside = job.window[0] <= max(eta, job.window[0]) <= job.window[1]
        out.append(("sla_slack", None, "window", 1.0 if inside else 0.0))
    elif job.arrive_by is not None:
        slack = (job.arrive_by - eta).total_seconds() / 60
        out.append(("sla_slack", slack, "min", slack / SLACK_COMFORT_MINUTES))
    else:
        out.append(("sla_slack", None, "min", 1.0))
    out.append(("load", tech.booked, "orders", 1 - tech.booked / tech.capacity if tech.capacity else 0.0))
    if tech.rating is None or tech.ratings < MIN_RATINGS:
        out.append(("rating", tech.rating, "stars", 0.5))
    else:
        out.append(("rating", tech.rating, "stars", tech.rating - 4.0))
    ftf = tech.first_time_fix
    out.append(("first_time_fix", ftf, "share", 0.5 if ftf is None else ftf))
    same = _same(job, tech)
    out.append(("affinity", 1.0 if same else 0.0, "", (1.0 if job.rework else 0.5) if same else 0.0))
    spread = max(mean_recent, 1.0)
    out.append(
        ("fairness", tech.recent_orders, "orders/7d", 0.5 + (mean_recent - tech.recent_orders) / (2 * spread))
    )
    return out


def _same(job: Job, tech: Tech) -> bool:
    """Did the technician (or one of the crew) do the last visit on the appliance?"""
    return job.last_technician_id is not None and job.last_technician_id in (tech.id, *tech.member_ids)


def _candidate(
    job: Job,
    tech: Tech,
    eta: datetime,
    km: float,
    minutes: float,
    eta_minutes: float,
    raw: list[tuple[str, float | None, str, float]],
    score: float,
) -> Candidate:
    """A ranked candidate: its components (values rounded, scores clamped to 0..1) and the reasons shown."""
    parts = tuple(
        Component(name, None if value is None else round(value, 3), unit, _clamp(part), WEIGHTS[name])
        for name, value, unit, part in raw
    )
    reasons = [
        Reason(
            "eta",
            f"预计{_spoken(eta_minutes)}后到达，车程{_spoken(minutes)}、{km:.1f}公里",
            f"arrives in {_spoken(eta_minutes, 'en')}, {_spoken(minutes, 'en')} and {km:.1f} km away",
        )
    ]
    if job.window is not None:
        if not job.window[0] <= max(eta, job.window[0]) <= job.window[1]:
            reasons.append(Reason("window_missed", "赶不上预约时段", "would miss the booked window"))
    elif job.arrive_by is not None:
        slack = (job.arrive_by - eta).total_seconds() / 60
        if slack < 0:
            reasons.append(
                Reason(
                    "sla_miss", f"将超时{-slack:.0f}分钟", f"would miss the arrival limit by {-slack:.0f} min"
                )
            )
    if tech.rating is not None and tech.ratings >= MIN_RATINGS and tech.rating >= TOP_RATING:
        reasons.append(Reason("top_rated", f"评分{tech.rating:.2f}", f"rated {tech.rating:.2f}"))
    if _same(job, tech):
        reasons.append(
            Reason(
                "affinity",
                "上次上门的师傅" + ("(返修)" if job.rework else ""),
                "did the last visit on this appliance" + (" (rework)" if job.rework else ""),
            )
        )
    if tech.position_source == "stale_gps":
        reasons.append(
            Reason("stale_location", "位置已过期，按基地估算", "location is stale; estimated from base")
        )
    return Candidate(
        technician_id=tech.id,
        name=tech.name,
        score=score,
        eta=eta,
        eta_minutes=round(eta_minutes, 1),
        travel_km=round(km, 2),
        travel_minutes=round(minutes, 1),
        position_source=tech.position_source,
        components=parts,
        reasons=tuple(reasons),
    )


def _spoken(minutes: float, language: str = "zh") -> str:
    """Minutes as people say them: "1小时25分", "25分" ("1 h 25 min"), never "85分钟"."""
    hours, rest = divmod(max(0, round(minutes)), 60)
    if language == "en":
        return f"{hours} h {rest} min" if hours else f"{rest} min"
    return f"{hours}小时{rest}分" if hours else f"{rest}分"


def queue_key(job: Job) -> tuple:
    """Dispatch order: urgent first, then elderly/infant households, then the earliest limit, then age."""
    far = datetime.max.replace(tzinfo=job.created_at.tzinfo if job.created_at else None)
    return (
        job.priority != "urgent",
        not job.vulnerable,
        job.arrive_by or far,
        job.created_at or far,
        job.order_id,
    )


def project_route(
    start: Point,
    leave: datetime,
    stops: Sequence[tuple[Point, int, datetime | None]],
    *,
    travel: TravelModel,
) -> tuple[datetime, Point]:
    """Walk a technician's queue (point, service minutes, earliest start) from ``start`` at ``leave``: when
    they will be free and where."""
    moment, here = leave, start
    for point, minutes, earliest in stops:
        moment += timedelta(seconds=travel.leg(here, point, moment).seconds)
        if earliest is not None and moment < earliest:
            moment = earliest
        moment += timedelta(minutes=minutes)
        here = point
    return moment, here
