"""Where triage's learner comes from, and how it is retrained.

The app never needs a training step first: ``learner()`` loads the model file ``anxin triage train``
wrote (``var/triage-model.joblib`` beside the default database, or ``ANXIN_TRIAGE_MODEL``) when there is
one, and otherwise trains, once per process and in about a second, from what the project ships: the
knowledge-base seed and the shipped labelled descriptions (``seed/triage_labelled.jsonl``, inside the
package: the product never reads the test tree). Training here is cheap and deterministic, so a model file is an
option for retraining from the platform's own data, not a shipped artefact that would tie the code to one
scikit-learn version.

``anxin triage train`` learns from the knowledge bases of every tenant (their admins' edits included), the
shipped labelled set, the labels the platform stored (``triage_label``: agents' corrections of a suggestion
and, at completion, the fault the technician's recorded cause names, ``labels.label_cause``), and completed
orders without a stored label (the cause read the same way, ``fault_of_cause``)."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from anxin.appliance.models import Appliance
from anxin.catalog.models import Category, ProductModel
from anxin.config import PROJECT_ROOT
from anxin.knowledge import labels
from anxin.knowledge.codes import FAULT_NAMES, FaultCode
from anxin.knowledge.label_models import TriageLabel
from anxin.knowledge.learn import Example, LinearTriage, kb_examples, normalise
from anxin.knowledge.models import KnowledgeEntry
from anxin.knowledge.service import seed_entries
from anxin.work_order.models import ServiceReport, WorkOrder

LABELLED = Path(__file__).parent / "seed" / "triage_labelled.jsonl"
MODEL_FILE = PROJECT_ROOT / "var" / "triage-model.joblib"
_lock = threading.Lock()
_cached: dict[str, Any] = {}


def model_path() -> Path:
    return Path(os.environ.get("ANXIN_TRIAGE_MODEL") or MODEL_FILE)


def labelled(path: Path = LABELLED) -> list[dict[str, Any]]:
    """The labelled descriptions (``{"text", "category", "fault", "appliance"?}`` a line)."""
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def shipped_examples() -> list[Example]:
    return kb_examples(seed_entries()) + [(r["text"], r["category"], r["fault"]) for r in labelled()]


def learner() -> LinearTriage:
    """The learner the app uses: the trained model file if there is one (reloaded when it changes), else
    one trained from the shipped data, once per process."""
    path = model_path()
    stamp = path.stat().st_mtime if path.exists() else None
    key = f"{path}:{stamp}"
    found = _cached.get(key)
    if found is not None:
        return found
    with _lock:
        found = _cached.get(key)
        if found is None:
            if stamp is not None:
                import joblib

                found = joblib.load(path)
            else:
                found = LinearTriage().fit(shipped_examples())
            _cached.clear()
            _cached[key] = found
    return found


def fault_of_cause(cause: str, entries: Iterable[KnowledgeEntry]) -> str | None:
    """The fault a technician's recorded cause names, among the category's entries: the fault's own code
    or Chinese name, or one of the entry's causes, keywords or symptoms within the text; None when it
    names none or several."""
    text = normalise(cause)
    found: set[str] = set()
    for entry in entries:
        names = {entry.fault, *FAULT_NAMES[FaultCode(entry.fault)][0].split("/")}
        words = [*names, *entry.causes, *[k for k in entry.keywords if len(k) >= 2 and not k.isascii()]]
        if any(normalise(w) in text for w in words if w):
            found.add(entry.fault)
    return found.pop() if len(found) == 1 else None


def order_examples(db: Session) -> list[Example]:
    """Completed orders of every tenant whose technician's cause maps to a fault of the knowledge base and
    that have no stored label (orders completed before ``triage_label`` kept their causes)."""
    entries: dict[tuple[int, str], list[KnowledgeEntry]] = {}
    for entry in db.scalars(select(KnowledgeEntry)):
        entries.setdefault((entry.tenant_id, entry.category), []).append(entry)
    rows = db.execute(
        select(WorkOrder.tenant_id, WorkOrder.fault_description, ServiceReport.cause, Category.code)
        .join(ServiceReport, ServiceReport.work_order_id == WorkOrder.id)
        .join(Appliance, Appliance.id == WorkOrder.appliance_id)
        .join(ProductModel, ProductModel.id == Appliance.product_model_id)
        .join(Category, Category.id == ProductModel.category_id)
        .where(
            WorkOrder.completed_at.is_not(None),
            ~select(TriageLabel.id).where(TriageLabel.work_order_id == WorkOrder.id).exists(),
        )
    )
    out: list[Example] = []
    for tenant_id, description, cause, category in rows:
        fault = fault_of_cause(cause or "", entries.get((tenant_id, category), []))
        if fault and description:
            out.append((description, category, fault))
    return out


def train(db: Session, *, out: Path | None = None) -> dict[str, Any]:
    """Train from every tenant's knowledge base, the shipped labelled set, the stored labels (agents'
    corrections, technicians' causes) and the completed orders without a label, and write the model file
    the app then loads. Returns how many examples of each it learned from."""
    import joblib

    kb = [
        {
            "category": e.category,
            "fault": e.fault,
            "title": e.title,
            "symptoms": e.symptoms,
            "keywords": e.keywords,
        }
        for e in db.scalars(select(KnowledgeEntry))
    ] or list(seed_entries())
    from_kb = kb_examples(kb)
    from_labels = [(r["text"], r["category"], r["fault"]) for r in labelled()]
    stored = labels.examples(db)
    from_corrections = stored[labels.CORRECTED]
    from_causes = stored[labels.CAUSE]
    from_orders = order_examples(db)
    model = LinearTriage().fit(from_kb + from_labels + from_corrections + from_causes + from_orders)
    path = out or model_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, path)
    return {
        "path": str(path),
        "knowledge_examples": len(from_kb),
        "labelled_examples": len(from_labels),
        "correction_examples": len(from_corrections),
        "cause_examples": len(from_causes),
        "order_examples": len(from_orders),
        "pairs": len(model.pairs),
    }
