"""The engine without a database: which words are codes, that any text gets an answer or a clear refusal,
and that the learner is good enough on the labelled set it was not trained on (a floor well below the
benchmark's figure: it guards against a broken learner, the benchmark measures the real one)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.model_selection import train_test_split

from anxin.knowledge import training
from anxin.knowledge.exceptions import TextEmpty, TextTooLong
from anxin.knowledge.learn import LinearTriage, kb_examples, pinyin
from anxin.knowledge.service import seed_entries
from anxin.knowledge.triage import SeedView, find_codes, triage

KNOWN = {"E1", "dL", "UE", "EE", "FL", "F2"}


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("柜机显示E1然后就停了", ["E1"]),
        ("显示e1", ["E1"]),
        ("洗衣机显示dl门打不开", ["dL"]),
        ("报UE，又报F2", ["UE", "F2"]),
        ("error code h6", ["H6"]),  # unknown to the base: still a code
        ("KFR-35GW 1.5匹 3P 4K电视", []),
        ("ee", ["EE"]),
        ("FLAT 5G网络", []),
        ("不制冷", []),
    ],
)
def test_codes_are_letters_and_digits_standing_alone(text, codes):
    assert find_codes(text, KNOWN) == codes


def test_pinyin_meets_the_characters():
    assert pinyin("空调 不制冷！") == pinyin("kongtiao bu zhileng") == "kongtiaobuzhileng"


@pytest.fixture(scope="module")
def shipped():
    return training.learner(), SeedView(seed_entries())


@settings(max_examples=150, deadline=None)
@given(text=st.text(max_size=600))
def test_any_text_gets_an_answer_or_a_clear_refusal(shipped, text):
    learner, view = shipped
    try:
        result = triage(text, learner=learner, view=view)
    except (TextEmpty, TextTooLong):
        assert not text.strip() or len(text.strip()) > 500
        return
    assert (result.category, result.fault) in view.pairs() or result.fault == "error_code"
    assert 0 <= result.confidence <= 1 and len(result.alternatives) <= 3


def test_the_learner_reads_held_out_descriptions():
    rows = training.labelled()
    assert len(rows) >= 300
    train, test = train_test_split(
        rows, test_size=0.3, random_state=7, stratify=[f"{r['category']}|{r['fault']}" for r in rows]
    )
    learner = LinearTriage().fit(
        kb_examples(seed_entries()) + [(r["text"], r["category"], r["fault"]) for r in train]
    )
    view = SeedView(seed_entries())
    right = sum(
        (r["category"], r["fault"])
        == (lambda a: (a.category, a.fault))(
            triage(r["text"], learner=learner, view=view, category=r.get("appliance"))
        )
        for r in test
    )
    assert right / len(test) >= 0.85


def test_the_labelled_set_covers_every_pair_of_the_seed():
    pairs = {(e["category"], e["fault"]) for e in seed_entries()}
    rows = training.labelled()
    assert {(r["category"], r["fault"]) for r in rows} == pairs
    assert len({r["text"] for r in rows}) == len(rows)
