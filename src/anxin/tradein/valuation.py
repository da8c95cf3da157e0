"""The valuation table and its arithmetic.

A tenant's table holds, per category, one value in fen for every age band and condition grade
(``codes.AgeBand`` × ``codes.Condition``), and the category's terms: a floor and a campaign subsidy. An old
appliance of ``category``, ``age_years`` old, in ``condition`` is worth

    value = max(table[category][band_of(age_years)][condition], floor) + subsidy

The admins set a category's whole grid at once (``set_category``): every cell, none negative, an older
band or a worse grade never worth more than a newer or better one. Audited (``audit.trail``)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from anxin import clock
from anxin.audit import trail
from anxin.catalog.codes import CategoryCode
from anxin.exceptions import InvalidInput
from anxin.tradein.codes import (
    BAND_NAMES,
    CONDITION_NAMES,
    MAX_SUBSIDY_FEN,
    MAX_VALUE_FEN,
    AgeBand,
    Condition,
    band_of,
)
from anxin.tradein.exceptions import NoRate, RatesOutOfOrder
from anxin.tradein.models import TradeInRate, TradeInTerms

BANDS = list(AgeBand)
CONDITIONS = list(Condition)


@dataclass(frozen=True)
class Valuation:
    category: str
    age_years: int
    age_band: str
    condition: str
    base_fen: int  # the table's value
    floor_fen: int
    subsidy_fen: int
    subsidy_label: str | None
    value_fen: int  # max(base, floor) + subsidy


@dataclass(frozen=True)
class CategoryTable:
    """One category's grid (``values[band][condition]``, fen) and its terms; ``values`` is empty when the
    tenant has not valued the category."""

    category: str
    floor_fen: int
    subsidy_fen: int
    subsidy_label: str | None
    values: dict[str, dict[str, int]]


def compute(*, base_fen: int, floor_fen: int, subsidy_fen: int) -> int:
    """The arithmetic: the table's value raised to the floor, plus the subsidy."""
    return max(base_fen, floor_fen) + subsidy_fen


def quote(db: Session, *, tenant_id: int, category: str, age_years: int, condition: str) -> Valuation:
    """What the tenant pays for such an old appliance (``NoRate`` for a category it does not value)."""
    band = band_of(age_years)
    base = db.scalar(
        select(TradeInRate.value_fen).where(
            TradeInRate.tenant_id == tenant_id,
            TradeInRate.category_code == category,
            TradeInRate.age_band == band.value,
            TradeInRate.condition == condition,
        )
    )
    if base is None:
        raise NoRate(category=category)
    terms = _terms(db, tenant_id=tenant_id, category=category)
    floor = terms.floor_fen if terms else 0
    subsidy = terms.subsidy_fen if terms else 0
    return Valuation(
        category=category,
        age_years=age_years,
        age_band=band.value,
        condition=condition,
        base_fen=base,
        floor_fen=floor,
        subsidy_fen=subsidy,
        subsidy_label=terms.subsidy_label if terms and subsidy else None,
        value_fen=compute(base_fen=base, floor_fen=floor, subsidy_fen=subsidy),
    )


def _terms(db: Session, *, tenant_id: int, category: str) -> TradeInTerms | None:
    return db.scalar(
        select(TradeInTerms).where(
            TradeInTerms.tenant_id == tenant_id, TradeInTerms.category_code == category
        )
    )


def tables(db: Session, *, tenant_id: int, category: str | None = None) -> list[CategoryTable]:
    """The tenant's table, one ``CategoryTable`` per category it values (or only ``category``, valued or
    not), in the catalog's order."""
    rates = db.scalars(
        select(TradeInRate).where(
            TradeInRate.tenant_id == tenant_id,
            *([TradeInRate.category_code == category] if category else []),
        )
    ).all()
    terms = {
        t.category_code: t
        for t in db.scalars(
            select(TradeInTerms).where(
                TradeInTerms.tenant_id == tenant_id,
                *([TradeInTerms.category_code == category] if category else []),
            )
        )
    }
    grid: dict[str, dict[str, dict[str, int]]] = {}
    for rate in rates:
        grid.setdefault(rate.category_code, {}).setdefault(rate.age_band, {})[rate.condition] = rate.value_fen
    wanted = (
        [category] if category else [c.value for c in CategoryCode if c.value in grid or c.value in terms]
    )
    out = []
    for code in wanted:
        term = terms.get(code)
        values = (
            {
                band.value: {
                    c.value: grid.get(code, {}).get(band.value, {}).get(c.value, 0) for c in CONDITIONS
                }
                for band in BANDS
            }
            if code in grid
            else {}
        )
        out.append(
            CategoryTable(
                category=code,
                floor_fen=term.floor_fen if term else 0,
                subsidy_fen=term.subsidy_fen if term else 0,
                subsidy_label=term.subsidy_label if term else None,
                values=values,
            )
        )
    return out


def _checked_grid(cells: list[tuple[str, str, int]]) -> dict[str, dict[str, int]]:
    """``cells`` (band, condition, fen) as a whole grid: every cell once, in range, never more for an older
    band or a worse grade."""
    grid: dict[str, dict[str, int]] = {}
    for band, condition, fen in cells:
        if band not in {b.value for b in BANDS}:
            raise InvalidInput("rates", f"未知的年限档 {band[:20]}", f"unknown age band {band[:20]}")
        if condition not in {c.value for c in CONDITIONS}:
            raise InvalidInput("rates", f"未知的成色 {condition[:20]}", f"unknown condition {condition[:20]}")
        if not 0 <= fen <= MAX_VALUE_FEN:
            raise InvalidInput("rates", "估价应在 0 至 50,000 元之间", "a value must be 0 to 50,000 yuan")
        if condition in grid.get(band, {}):
            raise InvalidInput("rates", "同一档位填写了两次", "a cell is given twice")
        grid.setdefault(band, {})[condition] = fen
    if any(len(grid.get(b.value, {})) != len(CONDITIONS) for b in BANDS):
        raise InvalidInput(
            "rates",
            f"须填写全部 {len(BANDS) * len(CONDITIONS)} 个档位（年限 × 成色）",
            f"every one of the {len(BANDS) * len(CONDITIONS)} cells (age band × condition) is required",
        )
    for i, band in enumerate(BANDS):
        for j, condition in enumerate(CONDITIONS):
            value = grid[band.value][condition.value]
            newer = grid[BANDS[i - 1].value][condition.value] if i else None
            better = grid[band.value][CONDITIONS[j - 1].value] if j else None
            if (newer is not None and value > newer) or (better is not None and value > better):
                raise RatesOutOfOrder(
                    band=BAND_NAMES[band][0],
                    condition=CONDITION_NAMES[condition][0],
                    band_en=BAND_NAMES[band][1],
                    condition_en=CONDITION_NAMES[condition][1],
                )
    return grid


def set_category(
    db: Session,
    *,
    tenant_id: int,
    category: str,
    cells: list[tuple[str, str, int]],
    floor_fen: int,
    subsidy_fen: int,
    subsidy_label: str | None,
    actor: trail.Actor | None,
) -> CategoryTable:
    """Replace ``category``'s grid and terms with these. ``actor`` None: the platform's own seeding."""
    if category not in {c.value for c in CategoryCode}:
        raise InvalidInput("category", f"未知的品类 {category[:40]}", f"unknown category {category[:40]}")
    grid = _checked_grid(cells)
    if not 0 <= floor_fen <= MAX_VALUE_FEN:
        raise InvalidInput("floor_fen", "保底价应在 0 至 50,000 元之间", "the floor must be 0 to 50,000 yuan")
    if not 0 <= subsidy_fen <= MAX_SUBSIDY_FEN:
        raise InvalidInput(
            "subsidy_fen", "补贴应在 0 至 10,000 元之间", "the subsidy must be 0 to 10,000 yuan"
        )
    label = (subsidy_label or "").strip() or None
    if label is not None and len(label) > 60:
        raise InvalidInput("subsidy_label", "补贴说明不能超过 60 个字", "at most 60 characters")
    (before,) = tables(db, tenant_id=tenant_id, category=category)
    existing = {
        (r.age_band, r.condition): r
        for r in db.scalars(
            select(TradeInRate).where(
                TradeInRate.tenant_id == tenant_id, TradeInRate.category_code == category
            )
        )
    }
    for band, row in grid.items():
        for condition, fen in row.items():
            rate = existing.get((band, condition))
            if rate is None:
                db.add(
                    TradeInRate(
                        tenant_id=tenant_id,
                        category_code=category,
                        age_band=band,
                        condition=condition,
                        value_fen=fen,
                    )
                )
            else:
                rate.value_fen = fen
    terms = _terms(db, tenant_id=tenant_id, category=category)
    if terms is None:
        terms = TradeInTerms(tenant_id=tenant_id, category_code=category)
        db.add(terms)
    terms.floor_fen, terms.subsidy_fen, terms.subsidy_label = floor_fen, subsidy_fen, label
    terms.updated_at = clock.now()
    terms.updated_by_id = actor.id if actor is not None else None
    db.flush()
    (after,) = tables(db, tenant_id=tenant_id, category=category)
    trail.record(
        db,
        tenant_id=tenant_id,
        actor=actor,
        action="trade_in.rates",
        object_type="trade_in_terms",
        object_id=terms.id,
        changes=trail.changes(_flat(before), _flat(after)),
        note=category,
    )
    return after


def _flat(table: CategoryTable) -> dict:
    out = {
        "floor_fen": table.floor_fen,
        "subsidy_fen": table.subsidy_fen,
        "subsidy_label": table.subsidy_label,
    }
    for band, row in table.values.items():
        for condition, fen in row.items():
            out[f"{band}.{condition}"] = fen
    return out
