"""The arithmetic of settlement, from a tenant's fee rules (``FeeRule``); no database. Integer fen, rounded
down where a share is taken (a rate in basis points, 1/10000).

- An approved order earns the outlet its **base** fee (the most specific rule for its service type and
  category: both named beats the service type alone beats the category alone beats neither), plus the
  **area** allowance for the order's area type (urban, suburban: the distance band the order records) and
  the **urgent** surcharge for an urgent order.
- Deducted in the month: each **rework** charged back to the outlet (``amount_fen`` plus ``rate_bp`` of the
  rework's cost), each **complaint** upheld against it or its technician, each **penalty point** of its
  technicians.
- A technician earns the **commission** of their level (``rate_bp`` of the fees of the orders they did),
  less their own reworks and penalty points at the same rules, less the **deposit** withheld this month
  (``amount_fen`` until ``cap_fen`` is held in all; none in a month they earned no commission)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from anxin.settlement.vocabulary import AREA_NAMES, LINE_NAMES

KINDS = ("base", "area", "urgent", "rework", "complaint", "penalty_point", "commission", "deposit")


class Rule(Protocol):
    kind: str
    service_type: str | None
    category_code: str | None
    area_type: str | None
    priority: str | None
    level: str | None
    amount_fen: int
    rate_bp: int
    cap_fen: int | None


@dataclass(frozen=True)
class Fee:
    code: str
    amount_fen: int
    description: str
    description_en: str
    quantity: int = 1


def _of(rules: Iterable[Rule], kind: str) -> list[Rule]:
    return [rule for rule in rules if rule.kind == kind]


def base_rule(rules: Sequence[Rule], *, service_type: str, category_code: str) -> Rule | None:
    best: tuple[int, Rule] | None = None
    for rule in _of(rules, "base"):
        if rule.service_type not in (None, service_type) or rule.category_code not in (None, category_code):
            continue
        score = (2 if rule.service_type else 0) + (1 if rule.category_code else 0)
        if best is None or score > best[0]:
            best = (score, rule)
    return best[1] if best else None


def order_fees(
    rules: Sequence[Rule], *, service_type: str, category_code: str, area_type: str, priority: str
) -> list[Fee]:
    """What one approved order earns the outlet, line by line (a rule of amount 0 makes no line)."""
    fees: list[Fee] = []
    base = base_rule(rules, service_type=service_type, category_code=category_code)
    if base is not None and base.amount_fen:
        fees.append(Fee("base", base.amount_fen, LINE_NAMES["base"][0], LINE_NAMES["base"][1]))
    for rule in _of(rules, "area"):
        if rule.area_type == area_type and rule.amount_fen:
            zh, en = AREA_NAMES.get(area_type, (area_type, area_type))
            fees.append(Fee("area", rule.amount_fen, f"距离补贴（{zh}）", f"Distance allowance ({en})"))
            break
    if priority == "urgent":
        for rule in _of(rules, "urgent"):
            if rule.amount_fen:
                fees.append(Fee("urgent", rule.amount_fen, LINE_NAMES["urgent"][0], LINE_NAMES["urgent"][1]))
                break
    return fees


def rework_deduction(rules: Sequence[Rule], cost_fen: int) -> int:
    """What one rework costs the outlet (or the technician): zero or negative."""
    total = 0
    for rule in _of(rules, "rework")[:1]:
        total = rule.amount_fen + cost_fen * rule.rate_bp // 10000
    return -total


def each(rules: Sequence[Rule], kind: str, count: int) -> int:
    """``count`` times the first ``kind`` rule's amount, as a deduction (zero or negative)."""
    for rule in _of(rules, kind)[:1]:
        return -rule.amount_fen * count
    return 0


def commission_rate(rules: Sequence[Rule], level: str) -> int:
    for rule in _of(rules, "commission"):
        if rule.level == level:
            return rule.rate_bp
    return 0


def deposit(rules: Sequence[Rule], held_before_fen: int) -> int:
    """What to withhold this month (positive), given what is already held."""
    for rule in _of(rules, "deposit")[:1]:
        room = rule.amount_fen if rule.cap_fen is None else max(0, rule.cap_fen - held_before_fen)
        return min(rule.amount_fen, room)
    return 0


@dataclass(frozen=True)
class Pay:
    rate_bp: int
    commission_fen: int
    rework_fen: int
    penalty_fen: int
    deposit_fen: int
    net_fen: int


def technician_pay(
    rules: Sequence[Rule],
    *,
    level: str,
    fees_fen: int,
    rework_costs_fen: Sequence[int],
    penalty_points: int,
    deposit_held_fen: int,
) -> Pay:
    rate = commission_rate(rules, level)
    commission = fees_fen * rate // 10000
    rework = sum(rework_deduction(rules, cost) for cost in rework_costs_fen)
    penalty = each(rules, "penalty_point", penalty_points)
    withheld = deposit(rules, deposit_held_fen) if commission > 0 else 0  # nothing earned, nothing withheld
    return Pay(rate, commission, rework, penalty, withheld, commission + rework + penalty - withheld)
