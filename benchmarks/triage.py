"""Triage accuracy and latency: top-1 and top-3 (category and fault together) on a held-out part of the
labelled set shipped in the package (``knowledge/seed/triage_labelled.jsonl``), for each learner of ``anxin.knowledge.learn``.

The split is stratified by (category, fault) with a fixed seed; each learner is trained on the shipped
knowledge base (``knowledge/seed/entries.json``) and the training part only, and every held-out
description goes through the whole engine (``knowledge.triage.triage``: exact error-code lookup, then
the learner), with the appliance's category where the labelled row has one. Latency is per call of the
engine on this machine (the pinyin cache emptied before each), over the held-out descriptions repeated
``--rounds`` times; the knowledge base is the seed in memory (``SeedView``), so the figure is the
engine's own, without the three small indexed queries the API adds.

    .venv/bin/python benchmarks/triage.py [--test-size 0.3] [--seed 7] [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time

from sklearn.model_selection import train_test_split

from anxin.knowledge import training
from anxin.knowledge.learn import Bm25Triage, LinearTriage, kb_examples, pinyin
from anxin.knowledge.service import seed_entries
from anxin.knowledge.triage import SeedView, triage

LABELLED = training.LABELLED


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(learner, train: list[dict], test: list[dict], rounds: int) -> dict:
    started = time.perf_counter()
    learner.fit(kb_examples(seed_entries()) + [(r["text"], r["category"], r["fault"]) for r in train])
    fit_seconds = time.perf_counter() - started
    view = SeedView(seed_entries())
    top1 = top3 = category_top1 = 0
    misses = []
    for row in test:
        result = triage(row["text"], learner=learner, view=view, category=row.get("appliance"))
        answers = [(result.category, result.fault)] + [
            (a["category"], a["fault"]) for a in result.alternatives
        ]
        truth = (row["category"], row["fault"])
        top1 += answers[0] == truth
        top3 += truth in answers[:3]
        category_top1 += result.category == row["category"]
        if answers[0] != truth:
            misses.append({"text": row["text"], "truth": "/".join(truth), "got": "/".join(answers[0])})
    times = []
    for _ in range(rounds):
        for row in test:
            pinyin.cache_clear()  # every call converts its text afresh, as a new description would
            t0 = time.perf_counter()
            triage(row["text"], learner=learner, view=view, category=row.get("appliance"))
            times.append((time.perf_counter() - t0) * 1000)
    n = len(test)
    return {
        "learner": learner.name,
        "top1": round(top1 / n, 4),
        "top3": round(top3 / n, 4),
        "category_top1": round(category_top1 / n, 4),
        "latency_ms": {
            "p50": round(statistics.median(times), 3),
            "p95": round(percentile(times, 0.95), 3),
            "calls": len(times),
        },
        "fit_seconds": round(fit_seconds, 2),
        "misses": misses,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--test-size", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--misses", action="store_true", help="list the held-out descriptions each got wrong")
    args = parser.parse_args()
    rows = training.labelled(LABELLED)
    train, test = train_test_split(
        rows,
        test_size=args.test_size,
        random_state=args.seed,
        stratify=[f"{r['category']}|{r['fault']}" for r in rows],
    )
    results = [measure(learner, train, test, args.rounds) for learner in (LinearTriage(), Bm25Triage())]
    if not args.misses:
        for result in results:
            result["misses"] = len(result["misses"])
    best = max(results, key=lambda r: (r["top1"], r["top3"]))
    print(
        json.dumps(
            {
                "benchmark": "triage",
                "labelled": len(rows),
                "train": len(train),
                "held_out": len(test),
                "seed": args.seed,
                "kb_entries": len(seed_entries()),
                "approaches": results,
                "kept": best["learner"],
                "goal": {"top1": 0.90, "top3": 0.97, "p95_ms": 20},
                "machine": {"python": sys.version.split()[0], "platform": platform.platform()},
            },
            ensure_ascii=False,
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
