"""Keeping a scoring run's rows in ``pdm_score``: one per appliance, replaced.

On PostgreSQL the run's rows go in as one binary ``COPY`` into a temporary table, built from numpy arrays
without a Python loop, then one ``INSERT … ON CONFLICT (appliance_id) DO UPDATE``; on SQLite the rows of
the appliances scored are deleted and inserted again."""

from __future__ import annotations

import struct
from datetime import datetime

import numpy as np
from sqlalchemy import delete, insert, text
from sqlalchemy.orm import Session

from anxin.telemetry.pdm_models import PdmScore

UPSERT = """
INSERT INTO pdm_score (appliance_id, tenant_id, component, probability, failure_probability, horizon_hours,
                       model_trained_at, scored_at)
SELECT s.appliance_id, :tenant_id, (CAST(:components AS text[]))[s.component + 1], s.probability,
       s.failure_probability, :horizon_hours, :trained_at, :scored_at
FROM pdm_scoring s
ON CONFLICT (appliance_id) DO UPDATE SET
  tenant_id = excluded.tenant_id, component = excluded.component, probability = excluded.probability,
  failure_probability = excluded.failure_probability, horizon_hours = excluded.horizon_hours,
  model_trained_at = excluded.model_trained_at, scored_at = excluded.scored_at
"""


def _binary_copy(
    ids: np.ndarray, component: np.ndarray, probability: np.ndarray, failing: np.ndarray
) -> bytes:
    """The four columns as PostgreSQL's binary COPY stream (int8, int4, float8, float8, none NULL)."""
    row = np.dtype(
        [("n", ">i2"), ("l0", ">i4"), ("a", ">i8"), ("l1", ">i4"), ("c", ">i4"),
         ("l2", ">i4"), ("p", ">f8"), ("l3", ">i4"), ("f", ">f8")]
    )  # fmt: skip
    table = np.empty(len(ids), dtype=row)
    table["n"], table["l0"], table["l1"], table["l2"], table["l3"] = 4, 8, 4, 8, 8
    table["a"], table["c"], table["p"], table["f"] = ids, component, probability, failing
    header = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
    return header + table.tobytes() + struct.pack(">h", -1)


def keep(
    db: Session,
    *,
    tenant_id: int,
    ids: np.ndarray,
    components: list[str],
    component: np.ndarray,
    probability: np.ndarray,
    failing: np.ndarray,
    horizon_hours: int,
    trained_at: datetime,
    scored_at: datetime,
) -> None:
    """Replace the scored appliances' rows: ``component[i]`` indexes ``components``."""
    if not len(ids):
        return
    if db.get_bind().dialect.name == "postgresql":
        db.execute(
            text(
                "CREATE TEMPORARY TABLE IF NOT EXISTS pdm_scoring (appliance_id bigint, component integer, "
                "probability double precision, failure_probability double precision) ON COMMIT DELETE ROWS"
            )
        )
        db.execute(text("TRUNCATE pdm_scoring"))
        raw = db.connection().connection.driver_connection
        with raw.cursor() as cursor, cursor.copy("COPY pdm_scoring FROM STDIN (FORMAT BINARY)") as copy:
            copy.write(_binary_copy(ids, component, probability, failing))
        db.execute(
            text(UPSERT),
            {
                "tenant_id": tenant_id,
                "components": components,
                "horizon_hours": horizon_hours,
                "trained_at": trained_at,
                "scored_at": scored_at,
            },
        )
        return
    scored = [int(a) for a in ids]
    for chunk in range(0, len(scored), 500):
        db.execute(delete(PdmScore).where(PdmScore.appliance_id.in_(scored[chunk : chunk + 500])))
    db.execute(
        insert(PdmScore),
        [
            dict(
                appliance_id=int(a),
                tenant_id=tenant_id,
                component=components[int(c)],
                probability=float(p),
                failure_probability=float(f),
                horizon_hours=horizon_hours,
                model_trained_at=trained_at,
                scored_at=scored_at,
            )
            for a, c, p, f in zip(ids, component, probability, failing, strict=True)
        ],
    )
