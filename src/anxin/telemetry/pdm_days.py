"""The failure model's feature rows of a whole tenant at one moment, read from ``telemetry_daily``.

A moment is a UTC midnight; its windows are the whole day before it and the three days before it. Both
are in the previous day's rows: the day's own ``count``/``sum_value``/``sumsq_value`` and its trailing
sums (``trail_*``, kept by ``storage.rollup``), so reading a fleet's features is one indexed read of one
row per device and metric, no grouping. For each appliance with a row on the previous day the feature
row holds, per window and metric, the mean and population standard deviation of the hourly averages,
then per window the readings with an error code (``_errors``), the hours since a part was last fitted
before the moment, the appliance's age in days and its category's index. A device silent all of the
previous day is not scored that day (the rules watch silence). Training (one moment per day of history)
and scoring (the latest midnight) read rows the same way, so the model sees at scoring what it learnt
from.

On PostgreSQL the server packs the rows itself (each column's binary send form, concatenated by
``string_agg`` into one value per bucket of rows) and numpy decodes them at once, which is what lets a
million devices be scored within a minute (``benchmarks/pdm_scale.py``); on SQLite the same statement
is fetched row by row."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
from sqlalchemy import BigInteger, Double, Integer, Select, case, cast, func, literal, select
from sqlalchemy.orm import Session

from anxin.appliance.models import Appliance
from anxin.catalog.models import Category, ProductModel
from anxin.parts.models import PartFitting
from anxin.telemetry.models import TelemetryDaily
from anxin.telemetry.storage import TRAIL_DAYS
from anxin.work_order.models import WorkOrder

ERRORS = "_errors"  # the day rows' pseudo-metric counting readings with an error code
EPOCH = date(1970, 1, 1)


def midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def feature_names(metrics: list[str], windows_days: tuple[int, ...]) -> list[str]:
    names = [f"{m}_{s}_{w}d" for w in windows_days for m in metrics for s in ("mean", "std")]
    names += [f"errors_{w}d" for w in windows_days]
    return [*names, "hours_since_part_fitted", "age_days", "category"]


@dataclass
class Rows:
    """The feature rows at one moment: ``ids[i]`` is the appliance of ``x[i]``."""

    ids: np.ndarray
    x: np.ndarray


SEND = {"i8": "int8send", "i4": "int4send", "f8": "float8send"}


def _fetch(db: Session, statement: Select, dtypes: list[str]) -> np.ndarray:
    """The statement's rows as a structured array of the fixed-width ``dtypes`` ('i8', 'i4', 'f8'), in
    the order of the first column, on every database; no column may be NULL. On PostgreSQL the server
    packs the rows itself: each row's columns as their binary send form (big-endian), concatenated by
    ``string_agg`` into one value per bucket of rows, so a million rows cross as a few hundred values and
    are decoded at once with numpy."""
    names = [f"c{i}" for i in range(len(dtypes))]
    if db.get_bind().dialect.name != "postgresql":
        rows = db.execute(statement).all()
        table = np.array([tuple(r) for r in rows], dtype=list(zip(names, dtypes, strict=True)))
        return _by_first_column(table)
    statement = statement.with_only_columns(
        *(column.label(name) for column, name in zip(statement.selected_columns, names, strict=True)),
        maintain_column_froms=True,
    )
    sql = str(statement.compile(dialect=db.get_bind().dialect, compile_kwargs={"literal_binds": True}))
    packed = " || ".join(f"{SEND[kind]}(r.{name})" for name, kind in zip(names, dtypes, strict=True))
    # the compiled statement has its '%' doubled for the driver's placeholders: the outer one is written so
    # too, and the driver, given (empty) parameters, halves them all
    blocks = (
        db.connection()
        .exec_driver_sql(f"SELECT string_agg({packed}, ''::bytea) FROM ({sql}) AS r GROUP BY r.c0 %% 512", ())
        .scalars()
    )
    data = b"".join(bytes(block) for block in blocks)
    table = np.frombuffer(data, dtype=[(name, ">" + kind) for name, kind in zip(names, dtypes, strict=True)])
    table = np.array(table, dtype=list(zip(names, dtypes, strict=True)))
    return _by_first_column(table)  # the buckets come back in no order


def _by_first_column(table: np.ndarray) -> np.ndarray:
    return table[np.argsort(table["c0"], kind="stable")]


def _epoch_days(db: Session, column):
    """Days since 1970-01-01 of a date column, as an integer, in the database's own arithmetic."""
    if db.get_bind().dialect.name == "postgresql":
        return cast(column - literal(EPOCH), Integer)
    return cast(func.julianday(column) - 2440587.5, Integer)


def rows_at(
    db: Session,
    *,
    tenant_id: int,
    moment: date,
    metrics: list[str],
    categories: list[str],
    windows_days: tuple[int, ...],
) -> Rows:
    """Every appliance's feature row at the midnight starting ``moment`` (columns: ``feature_names``)."""
    columns = [*metrics, ERRORS]
    index = case({m: i for i, m in enumerate(columns)}, value=TelemetryDaily.metric)
    sums = []
    for window in windows_days:
        if window == 1:
            own = (TelemetryDaily.count, TelemetryDaily.sum_value, TelemetryDaily.sumsq_value)
        elif window == TRAIL_DAYS:
            own = (TelemetryDaily.trail_count, TelemetryDaily.trail_sum, TelemetryDaily.trail_sumsq)
        else:
            raise ValueError(f"windows are 1 or {TRAIL_DAYS} days, not {window}")
        sums += [cast(own[0], BigInteger), cast(own[1], Double), cast(own[2], Double)]
    statement = select(cast(TelemetryDaily.appliance_id, BigInteger), cast(index, Integer), *sums).where(
        TelemetryDaily.tenant_id == tenant_id,
        TelemetryDaily.day_date == moment - timedelta(days=1),
        TelemetryDaily.metric.in_(columns),
    )
    table = _fetch(db, statement, ["i8", "i4"] + ["i8", "f8", "f8"] * len(windows_days))
    ids, position = np.unique(table["c0"], return_inverse=True)
    width = len(feature_names(metrics, windows_days))
    x = np.full((len(ids), width), np.nan)
    metric_of = table["c1"]
    for w in range(len(windows_days)):
        n, total, squares = (table[f"c{2 + 3 * w + k}"].astype(float) for k in range(3))
        seen = n > 0
        mean = np.divide(total, n, out=np.full_like(total, np.nan), where=seen)
        spread = np.sqrt(
            np.clip(np.divide(squares, n, out=np.zeros_like(squares), where=seen) - mean**2, 0, None)
        )
        spread[~seen] = np.nan
        for m in range(len(metrics)):
            mine = metric_of == m
            base = (w * len(metrics) + m) * 2
            x[position[mine], base] = mean[mine]
            x[position[mine], base + 1] = spread[mine]
        errors_column = 2 * len(windows_days) * len(metrics) + w
        x[:, errors_column] = 0.0
        mine = metric_of == len(metrics)
        x[position[mine], errors_column] = n[mine]
    if not len(ids):
        return Rows(ids=ids, x=x)
    _since_fitted(db, tenant_id=tenant_id, moment=moment, ids=ids, out=x[:, -3])
    _appliances(db, tenant_id=tenant_id, moment=moment, categories=categories, ids=ids, x=x)
    return Rows(ids=ids, x=x)


def _since_fitted(db: Session, *, tenant_id: int, moment: date, ids: np.ndarray, out: np.ndarray) -> None:
    """Hours since each appliance's last part fitting strictly before the moment (NaN: none)."""
    at = midnight(moment)
    last = db.execute(
        select(WorkOrder.appliance_id, func.max(PartFitting.fitted_at))
        .join(WorkOrder, WorkOrder.id == PartFitting.work_order_id)
        .where(PartFitting.tenant_id == tenant_id, PartFitting.fitted_at < at)
        .group_by(WorkOrder.appliance_id)
    ).all()
    for appliance_id, fitted_at in last:
        i = np.searchsorted(ids, appliance_id)
        if i < len(ids) and ids[i] == appliance_id:
            out[i] = (at - fitted_at).total_seconds() / 3600


def _appliances(
    db: Session, *, tenant_id: int, moment: date, categories: list[str], ids: np.ndarray, x: np.ndarray
) -> None:
    """Each appliance's age in days at the moment and its category's index (NaN: unknown)."""
    category = case({c: i for i, c in enumerate(categories)}, value=Category.code, else_=-1)
    table = _fetch(
        db,
        select(
            cast(Appliance.id, BigInteger),
            cast(category, Integer),
            cast(func.coalesce(_epoch_days(db, Appliance.purchase_date), -1), Integer),
        )
        .join(ProductModel, ProductModel.id == Appliance.product_model_id)
        .join(Category, Category.id == ProductModel.category_id)
        .where(Appliance.tenant_id == tenant_id),
        ["i8", "i4", "i4"],
    )
    found = np.searchsorted(table["c0"], ids)
    found = np.clip(found, 0, max(len(table) - 1, 0))
    known = (table["c0"][found] == ids) if len(table) else np.zeros(len(ids), dtype=bool)
    today = (moment - EPOCH).days
    bought = table["c2"][found].astype(float)
    age = np.where(known & (bought >= 0), today - bought, math.nan)
    kind = np.where(known & (table["c1"][found] >= 0), table["c1"][found].astype(float), math.nan)
    x[:, -2], x[:, -1] = age, kind
