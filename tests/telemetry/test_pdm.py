"""Failure prediction: features over windows, labels from completed repairs and their fitted parts,
train then score (one alert for the failing device, none for the healthy, none more when scored again),
and the benchmark's label construction on a tiny sample."""

from __future__ import annotations

import importlib.util
import math
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import BigInteger, Integer, cast, func, insert, literal, select

from anxin.appliance import service as appliance_service
from anxin.appliance.models import Appliance
from anxin.parts.models import Part, PartFitting, PartLine, Warehouse
from anxin.telemetry import pdm, pdm_days, storage
from anxin.telemetry.models import TelemetryAlert, TelemetryHourly, TelemetryReading, TelemetryRule
from anxin.telemetry.pdm_features import horizon_labels
from anxin.telemetry.pdm_models import PdmScore
from anxin.work_order.models import WorkOrder

T0 = datetime(2026, 11, 30, tzinfo=UTC)  # the end of the synthetic history
DAYS = 40
PLAN = pdm.Plan(windows_days=(1, 3), step_days=1, horizon_hours=72, min_failures=3)


def _appliances(db, world, count: int) -> list[int]:
    """The world's two refrigerators and ``count - 2`` more of the same model."""
    first = db.get(Appliance, world.demo.appliance_id)
    ids = [world.demo.appliance_id, world.demo.other_appliance_id]
    for index in range(2, count):
        ids.append(
            appliance_service.create(
                db,
                tenant_id=first.tenant_id,
                customer_id=first.customer_id,
                product_model_id=first.product_model_id,
                serial_number=f"SNPDM{index:04d}",
                purchase_date=date(2024, 1, 1),
                purchase_channel="jd",
                install_date=None,
                address_id=first.address_id,
            ).id
        )
    return ids


def _hours(db, tenant_id: int, appliance_id: int, current_at) -> None:
    """Hourly roll-ups for DAYS days up to T0: a steady fridge temperature, the compressor current
    ``current_at(hour)`` gives."""
    rows = []
    for step in range(DAYS * 24):
        hour = T0 - timedelta(hours=DAYS * 24 - 1 - step)
        for metric, value in (
            ("fridge_temp_c", 4.0 + (step % 5) * 0.1),
            ("compressor_current_a", current_at(hour)),
        ):
            rows.append(
                dict(
                    tenant_id=tenant_id,
                    appliance_id=appliance_id,
                    metric=metric,
                    hour_at=hour,
                    min_value=value,
                    max_value=value,
                    sum_value=value * 4,
                    count=4,
                )
            )
    db.execute(insert(TelemetryHourly), rows)


def _repair(db, world, appliance_id: int, completed_at: datetime, *, part: Part | None) -> WorkOrder:
    """A completed repair of the appliance, with ``part`` fitted on it."""
    appliance = db.get(Appliance, appliance_id)
    order = WorkOrder(
        tenant_id=appliance.tenant_id,
        number=f"R{appliance_id}-{completed_at:%m%d%H}",
        version=1,
        status="closed",
        channel="phone",
        service_type="repair",
        category_code="refrigerator",
        customer_id=appliance.customer_id,
        appliance_id=appliance_id,
        fault_description="不制冷",
        warranty_status="in_warranty",
        billing_category="A",
        completed_at=completed_at,
    )
    db.add(order)
    db.flush()
    if part is not None:
        warehouse = db.scalar(select(Warehouse).where(Warehouse.tenant_id == appliance.tenant_id))
        line = PartLine(
            tenant_id=appliance.tenant_id,
            work_order_id=order.id,
            part_id=part.id,
            warehouse_id=warehouse.id,
            quantity=1,
            consumed=1,
            status="consumed",
            unit_price_fen=30000,
            reserved_by_id=world.demo.users["admin"].id,
        )
        db.add(line)
        db.flush()
        db.add(
            PartFitting(
                tenant_id=appliance.tenant_id,
                work_order_id=order.id,
                line_id=line.id,
                part_id=part.id,
                fitted_by_id=world.demo.users["admin"].id,
                fitted_at=completed_at,
            )
        )
        db.flush()
    return order


def _compressor(db, tenant_id: int) -> Part:
    db.add(Warehouse(tenant_id=tenant_id, code="central", name="中心库", level="central"))
    part = Part(tenant_id=tenant_id, code="CMP-1", name="压缩机", list_price_fen=30000, key_part="compressor")
    db.add(part)
    db.flush()
    return part


def _rising_before(moments: list[datetime]):
    """A compressor current of 1 A, rising to 3 A in the 60 hours before each of ``moments``."""

    def current(hour: datetime) -> float:
        return 3.0 if any(timedelta(0) <= moment - hour < timedelta(hours=60) for moment in moments) else 1.0

    return current


@pytest.fixture
def fleet(db, world):
    """Eight refrigerators with 40 days of roll-ups: three had compressor repairs after a rising current
    (days 12 and 26), one's current is rising now (no repair yet), the others are healthy."""
    tenant_id = world.demo.tenant.id
    ids = _appliances(db, world, 8)
    part = _compressor(db, tenant_id)
    start = T0 - timedelta(days=DAYS)
    repairs = [start + timedelta(days=12), start + timedelta(days=26)]
    for appliance_id in ids[:3]:
        _hours(db, tenant_id, appliance_id, _rising_before(repairs))
        for moment in repairs:
            _repair(db, world, appliance_id, moment, part=part)
    _hours(db, tenant_id, ids[3], _rising_before([T0 + timedelta(hours=6)]))
    for appliance_id in ids[4:]:
        _hours(db, tenant_id, appliance_id, lambda hour: 1.0)
    storage.rollup_days(db, since=start.date(), until=T0.date() + timedelta(days=1))
    db.commit()
    return ids


def test_features_over_whole_days_on_a_small_history(db, world):
    # given a refrigerator whose hourly averages are 1..48 over the two days before t, with readings
    # carrying an error code 30 h and 2 h before t, a part fitted 10 h before t, and one hour of t's day
    tenant_id, appliance_id = world.demo.tenant.id, world.demo.appliance_id
    t = datetime(2026, 11, 2, tzinfo=UTC)
    db.execute(
        insert(TelemetryHourly),
        [
            dict(
                tenant_id=tenant_id,
                appliance_id=appliance_id,
                metric="compressor_current_a",
                hour_at=t - timedelta(hours=48 - i),
                min_value=i + 1.0,
                max_value=i + 1.0,
                sum_value=(i + 1.0) * 2,
                count=2,
            )
            for i in range(49)
        ],
    )
    for hours in (30, 2):
        db.add(
            TelemetryReading(
                appliance_id=appliance_id,
                ts=t - timedelta(hours=hours),
                tenant_id=tenant_id,
                metrics={"compressor_current_a": 1.0},
                error_code="E1",
            )
        )
    _repair(db, world, appliance_id, t - timedelta(hours=10), part=_compressor(db, tenant_id))
    db.flush()
    # when the day rows are rolled up and its features at t are read with 1- and 3-day windows
    assert storage.rollup_days(db, since=t.date() - timedelta(days=3), until=t.date() + timedelta(days=1)) > 0
    rows = pdm_days.rows_at(
        db,
        tenant_id=tenant_id,
        moment=t.date(),
        metrics=["compressor_current_a"],
        categories=["refrigerator"],
        windows_days=(1, 3),
    )
    names = pdm_days.feature_names(["compressor_current_a"], (1, 3))
    assert list(rows.ids) == [appliance_id]
    row = dict(zip(names, rows.x[0], strict=True))
    # then the 1-day mean is of the last day's 24 averages (25..48), the 3-day one of all 48; t's own
    # hour (49) waits for its day to end
    assert row["compressor_current_a_mean_1d"] == pytest.approx(36.5)
    assert row["compressor_current_a_std_1d"] == pytest.approx(math.sqrt((24**2 - 1) / 12))
    assert row["compressor_current_a_mean_3d"] == pytest.approx(24.5)
    # and the errors are counted per window, the fitting 10 h ago, the age in days, the category 0
    bought = db.get(Appliance, appliance_id).purchase_date
    assert (row["errors_1d"], row["errors_3d"]) == (1, 2)
    assert (row["hours_since_part_fitted"], row["age_days"], row["category"]) == (
        10,
        (t.date() - bought).days,
        0,
    )
    # and the next midnight sees only t's hour: its spread is 0, the day before it is empty
    later = pdm_days.rows_at(
        db,
        tenant_id=tenant_id,
        moment=t.date() + timedelta(days=1),
        metrics=["compressor_current_a", "fridge_temp_c"],
        categories=["refrigerator"],
        windows_days=(1,),
    )
    names = pdm_days.feature_names(["compressor_current_a", "fridge_temp_c"], (1,))
    later_row = dict(zip(names, later.x[0], strict=True))
    assert (later_row["compressor_current_a_mean_1d"], later_row["compressor_current_a_std_1d"]) == (49, 0)
    assert math.isnan(later_row["fridge_temp_c_mean_1d"]) and later_row["errors_1d"] == 0


def test_fetched_rows_come_back_in_the_first_columns_order(db):
    # given 3,000 rows whose first column falls as the second rises (on PostgreSQL they spread over the
    # server's buckets; on SQLite they come in the statement's order)
    series = select(literal(1).label("v")).cte("series", recursive=True)
    series = series.union_all(select(series.c.v + 1).where(series.c.v < 3000))
    statement = select(cast(3000 - series.c.v, BigInteger), cast(series.c.v % 7, Integer))
    # when they are fetched (packed and decoded on PostgreSQL), then they come back whole, ordered by the first
    table = pdm_days._fetch(db, statement, ["i8", "i4"])
    assert list(table["c0"]) == list(range(3000))
    assert list(table["c1"]) == [(3000 - i) % 7 for i in range(3000)]


def test_a_repair_within_the_horizon_labels_the_window(db, world):
    # given one refrigerator with 10 days of roll-ups and a compressor repair completed on day 5
    tenant_id = world.demo.tenant.id
    part = _compressor(db, tenant_id)
    appliance_id = world.demo.appliance_id
    rows = [
        dict(
            tenant_id=tenant_id,
            appliance_id=appliance_id,
            metric="compressor_current_a",
            hour_at=T0 - timedelta(hours=h),
            min_value=1.0,
            max_value=1.0,
            sum_value=1.0,
            count=1,
        )
        for h in range(240)
    ]
    db.execute(insert(TelemetryHourly), rows)
    storage.rollup_days(db, since=T0.date() - timedelta(days=10), until=T0.date() + timedelta(days=1))
    repaired = T0 - timedelta(days=5)
    _repair(db, world, appliance_id, repaired, part=part)
    # and a repair of the other refrigerator without a fitted part
    _repair(db, world, world.demo.other_appliance_id, repaired, part=None)
    db.flush()
    # when the training moments are labelled with a 72 h horizon, one each midnight
    repairs = pdm.load_repairs(db, tenant_id=tenant_id, until=T0)
    plan = pdm.Plan(windows_days=(1,), step_days=1, horizon_hours=72)
    days = pdm.moments(db, tenant_id=tenant_id, until=T0, plan=plan)
    points = [(appliance_id, pdm_days.midnight(day)) for day in days]
    labels = dict(
        (points[i][1], label)
        for i, label in horizon_labels(points, repairs.failures, horizon=timedelta(hours=72))
    )
    # then the moments whose next 72 h hold the repair are labelled with the fitted part's key part
    assert set(repairs.failures) == {
        (appliance_id, repaired, "compressor"),
        (world.demo.other_appliance_id, repaired, "other"),
    }
    positive = sorted(m for m, label in labels.items() if label == "compressor")
    assert positive == [repaired - timedelta(days=2), repaired - timedelta(days=1), repaired]
    assert all(label == "none" for m, label in labels.items() if m not in positive)
    # and no moment is labelled whose horizon has not passed yet, nor before a whole window of days
    assert max(labels) == T0 - timedelta(hours=72) and min(labels) == T0 - timedelta(days=9)
    # and the fitting's part names the component
    assert repairs.names == {"compressor": "压缩机"}


def test_train_then_score_opens_one_alert_for_the_failing_device(
    client, db, world, fleet, tmp_path, monkeypatch
):
    # given a model trained on the fleet's history, saved and loaded again
    tenant_id = world.demo.tenant.id
    bundle = pdm.train(db, tenant_id=tenant_id, plan=PLAN, until=T0)
    assert bundle["classes"] == ["compressor", "none"] and bundle["failure_rows"] >= 3
    monkeypatch.setenv("ANXIN_PDM_MODEL", str(tmp_path / "model.pkl"))
    pdm.save(bundle, pdm.model_path("demo"))
    bundle = pdm.load(tmp_path / "model.pkl")
    # when every device is scored now
    done = pdm.score(db, tenant_id=tenant_id, bundle=bundle, threshold=0.5, at=T0)
    db.commit()
    # then all eight are scored and only the one with a rising current gets an alert, of its component
    assert (done.scored, done.above, done.alerts_opened) == (8, 1, 1)
    alerts = db.execute(
        select(TelemetryAlert.appliance_id, TelemetryAlert.cause, TelemetryAlert.status)
    ).all()
    assert alerts == [(fleet[3], "predicted_failure:compressor", "open")]
    scores = dict(db.execute(select(PdmScore.appliance_id, PdmScore.probability)).all())
    assert scores[fleet[3]] >= 0.5 and all(scores[a] < 0.5 for a in fleet if a != fleet[3])
    # and the alert's rule, made for the prediction, names the part
    rule_names = db.execute(
        select(TelemetryRule.kind, TelemetryRule.name_zh, TelemetryRule.name_en).where(
            TelemetryRule.cause == "predicted_failure:compressor"
        )
    ).all()
    assert rule_names == [("model", "预测故障：压缩机", "Predicted failure: compressor")]
    # and staff see it in the alert list with its translated title and status
    listed = client.get(
        "/api/v1/alerts", params={"appliance_id": fleet[3]}, headers=world.demo.headers("agent")
    ).json()
    assert [(a["cause"], a["title"], a["status_label"]) for a in listed] == [
        ("predicted_failure:compressor", "预测故障：压缩机", "待处理")
    ]
    # when the devices are scored again
    again = pdm.score(db, tenant_id=tenant_id, bundle=bundle, threshold=0.5, at=T0)
    db.commit()
    # then no second alert opens and each device still has one score
    assert (again.scored, again.above, again.alerts_opened) == (8, 1, 0)
    # and every device's row knows its category and age (PostgreSQL hands the rows back in no order)
    rows = pdm_days.rows_at(
        db, tenant_id=tenant_id, moment=T0.date(), windows_days=PLAN.windows_days, **bundle["layout"]
    )
    assert sorted(rows.ids) == sorted(fleet)
    assert (rows.x[:, -1] == 0).all() and (rows.x[:, -2] == (T0.date() - date(2024, 1, 1)).days).sum() == 6
    assert db.scalar(select(func.count()).select_from(TelemetryAlert)) == 1
    assert db.scalar(select(func.count()).select_from(PdmScore)) == 8
    # when the alert is dismissed and an admin deactivates the prediction's rule, scoring opens none
    alert = db.scalar(select(TelemetryAlert))
    alert.status, alert.open_key = "dismissed", None
    db.scalar(select(TelemetryRule).where(TelemetryRule.kind == "model")).active = False
    muted = pdm.score(db, tenant_id=tenant_id, bundle=bundle, threshold=0.5, at=T0)
    assert (muted.above, muted.alerts_opened) == (1, 0)
    # and once it is active again, a new alert opens for the same device
    db.scalar(select(TelemetryRule).where(TelemetryRule.kind == "model")).active = True
    assert pdm.score(db, tenant_id=tenant_id, bundle=bundle, threshold=0.5, at=T0).alerts_opened == 1


def test_too_little_history_is_refused_clearly(db, world):
    # given a tenant with a few readings and no repairs
    db.add(
        TelemetryReading(
            appliance_id=world.demo.appliance_id,
            ts=T0,
            tenant_id=world.demo.tenant.id,
            metrics={"fridge_temp_c": 4.0},
        )
    )
    db.flush()
    # when training is asked for, then it refuses, saying why in both languages
    with pytest.raises(pdm.NotEnoughHistory, match="历史数据不足.*not enough history"):
        pdm.train(db, tenant_id=world.demo.tenant.id, plan=PLAN, until=T0)


def _benchmark():
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "pdm.py"
    spec = importlib.util.spec_from_file_location("pdm_benchmark", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_benchmarks_labels_follow_the_guide_on_a_tiny_sample():
    # given two machines on a 3-hourly grid; machine 1 has comp2 and comp4 failing at once at day 2 06:00
    bench = _benchmark()
    start = datetime(2015, 1, 2, 6)
    points = [(machine, start + timedelta(hours=3 * i)) for machine in (1, 2) for i in range(24)]
    failure = start + timedelta(days=1)
    failures = [(1, failure, "comp2"), (1, failure, "comp4"), (2, start + timedelta(hours=3), "comp1")]
    # when labelled as the guide does
    rows = bench.guide_labels(points, failures)
    labels = [(points[i], label) for i, label in rows]
    # then the 8 points from 21 h before the failure to the failure itself carry both components
    for component in ("comp2", "comp4"):
        hit = [p[1] for p, label in labels if p[0] == 1 and label == component]
        assert hit == [failure - timedelta(hours=3 * k) for k in range(7, -1, -1)]
    # and those points are duplicated (one row per component), every other point of machine 1 is none
    assert len([1 for p, _ in labels if p[0] == 1]) == 24 + 8
    # and machine 2's failure at 09:00 labels only its 06:00 and 09:00 points
    assert [p[1] for p, label in labels if p[0] == 2 and label == "comp1"] == [
        start,
        start + timedelta(hours=3),
    ]
    assert bench.counts([label for _, label in rows])["comp1"] == 2


def _cli(monkeypatch, settings, args: list[str]):
    from typer.testing import CliRunner

    from anxin.cli import app as cli
    from anxin.config import get_settings

    monkeypatch.setenv("ANXIN_DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(cli, args)
    finally:
        get_settings.cache_clear()


def test_the_commands_refuse_clearly_without_history(db, world, settings, tmp_path, monkeypatch):
    monkeypatch.setenv("ANXIN_PDM_MODEL", str(tmp_path / "model.pkl"))
    # given a tenant with no history: train and score refuse with a message, exit 3, no traceback
    refused = _cli(monkeypatch, settings, ["pdm", "train", "--tenant", "demo"])
    assert refused.exit_code == 3 and "历史数据不足" in refused.output
    assert "Traceback" not in refused.output and isinstance(refused.exception, SystemExit)
    unscored = _cli(monkeypatch, settings, ["pdm", "score", "--tenant", "demo"])
    assert unscored.exit_code == 3 and "anxin pdm train" in unscored.output
    unknown = _cli(monkeypatch, settings, ["pdm", "train", "--tenant", "nosuch"])
    assert unknown.exit_code == 2 and "no such tenant" in unknown.output
