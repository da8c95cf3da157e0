"""What triage learns: from a description, how likely each category and each fault is.

Two learners share one interface (``fit(examples)``, ``scores(text) -> {(category, fault): p}``), and
``benchmarks/triage.py`` measures both on the same held-out split:

- ``LinearTriage``: character n-grams of the text (Chinese, English, codes, typos by their neighbours)
  plus character n-grams of its pinyin without tones or spaces, so that "kongtiao bu zhileng" meets
  "空调不制冷" and a wrong character of the same sound ("空条", "至冷") still shares most grams; two
  logistic regressions (category, fault) whose probabilities multiply over the pairs the knowledge base
  has, blended with a third over the pairs themselves.
- ``Bm25Triage``: jieba words (and each word's pinyin) of the text, ranked with BM25 against every
  example; a pair scores its best example.

An example is ``(text, category, fault)``. Training data: the knowledge base (titles, symptoms,
keywords, the words for each category), the labelled descriptions and the platform's completed orders
(``training.py``). Nothing here touches the database or the network."""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from pypinyin import lazy_pinyin
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

from anxin.knowledge.codes import CATEGORY_NAMES, CATEGORY_WORDS, FAULT_NAMES, CategoryCode, FaultCode

Pair = tuple[str, str]
Example = tuple[str, str, str]  # text, category, fault
NOT_WORD = re.compile(r"[^0-9a-z\u4e00-\u9fff]+")
SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Full-width to half-width (NFKC), lower case, one space between words."""
    return SPACES.sub(" ", unicodedata.normalize("NFKC", text).lower()).strip()


@lru_cache(maxsize=4096)
def pinyin(text: str) -> str:
    """The text's sound: Chinese characters as toneless pinyin, everything run together without spaces or
    punctuation ("空调 不制冷" and "kongtiao bu zhileng" both become "kongtiaobuzhileng")."""
    return NOT_WORD.sub("", "".join(lazy_pinyin(text)))


def kb_examples(entries: Iterable[Mapping[str, Any]]) -> list[Example]:
    """Training examples from knowledge-base entries (dicts or rows turned into dicts): the title, each
    symptom and each keyword, alone and after the category's name; the fault's names, which teach the
    fault alone (category ``""``); and the words for each category, which teach the category alone (fault
    ``""``)."""
    out: list[Example] = []
    categories: set[str] = set()
    faults: set[str] = set()
    for entry in entries:
        category, fault = entry["category"], entry["fault"]
        categories.add(category)
        faults.add(fault)
        zh = CATEGORY_NAMES[CategoryCode(category)][0]
        words = [entry["title"], *entry.get("symptoms", []), *entry.get("keywords", [])]
        out.extend((text, category, fault) for text in words if text)
        out.extend((f"{zh}{text}", category, fault) for text in words[1:] if text and not text.isascii())
    for fault in sorted(faults):
        for name in FAULT_NAMES[FaultCode(fault)]:
            out.extend((part, "", fault) for part in name.split("/"))
    for category in sorted(categories):
        out.extend(
            (word, category, "")
            for word in (*CATEGORY_WORDS[CategoryCode(category)], *CATEGORY_NAMES[CategoryCode(category)])
        )
    return out


def _softmax_pairs(probabilities: Mapping[Pair, float]) -> dict[Pair, float]:
    total = sum(probabilities.values())
    if total <= 0:
        return {pair: 1 / len(probabilities) for pair in probabilities} if probabilities else {}
    return {pair: p / total for pair, p in probabilities.items()}


class SoftmaxSvc:
    """A linear SVM (one against the rest) whose margins become shares through a softmax at
    ``temperature``: as accurate as a logistic regression here and some thirty times faster to train
    (measured in ``benchmarks/triage.py``'s history: 0.9 s against 43 s), which is what lets the app train
    on first use."""

    def __init__(self, *, C: float, temperature: float) -> None:
        self.svm = LinearSVC(C=C)
        self.temperature = temperature

    def fit(self, x, y: Sequence[str]) -> SoftmaxSvc:
        self.svm.fit(x, y)
        self.classes_ = self.svm.classes_
        return self

    def predict_proba(self, x) -> np.ndarray:
        margins = self.svm.decision_function(x)
        if margins.ndim == 1:  # two classes
            margins = np.stack([-margins, margins], axis=1)
        weights = np.exp((margins - margins.max(axis=1, keepdims=True)) / self.temperature)
        return weights / weights.sum(axis=1, keepdims=True)


@dataclass
class LinearTriage:
    """Character n-grams of the text and of its pinyin, linear SVMs for category, fault and the pair;
    see the module's docstring. A call reads the fitted vocabularies and weights directly (``_score``):
    scikit-learn's input checks cost ten times the arithmetic for one short text."""

    C: float = 0.5
    temperature: float = 0.2
    blend: float = 0.5  # weight of the pair model against category × fault
    name: str = "linear_char_ngrams_pinyin"

    def fit(self, examples: Sequence[Example]) -> LinearTriage:
        normal = [normalise(t) for t, _, _ in examples]
        self.chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True)
        self.sounds = TfidfVectorizer(analyzer="char", ngram_range=(2, 4), sublinear_tf=True)
        x = hstack(
            [self.chars.fit_transform(normal), self.sounds.fit_transform([pinyin(t) for t in normal])]
        ).tocsr()

        def model(labels: list[str]) -> SoftmaxSvc:
            keep = [i for i, label in enumerate(labels) if label]
            return SoftmaxSvc(C=self.C, temperature=self.temperature).fit(x[keep], [labels[i] for i in keep])

        models = [
            model([c for _, c, _ in examples]),
            model([f for _, _, f in examples]),
            model([f"{c}|{f}" if c and f else "" for _, c, f in examples]),
        ]
        self.classes = [list(m.classes_) for m in models]
        self.weights = np.vstack([m.svm.coef_ for m in models]).astype(np.float32)
        self.intercepts = np.concatenate([m.svm.intercept_ for m in models]).astype(np.float32)
        self.vocabularies = (self.chars.vocabulary_, self.sounds.vocabulary_)
        self.idf = (self.chars.idf_.astype(np.float32), self.sounds.idf_.astype(np.float32))
        self.pairs: set[Pair] = {(c, f) for _, c, f in examples if c and f}
        self._analyzers = None
        return self

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "_analyzers"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._analyzers = None

    def _features(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The text's tf-idf features (each vectoriser's part of unit length): column indices, values."""
        if self._analyzers is None:
            self._analyzers = (self.chars.build_analyzer(), self.sounds.build_analyzer())
        normal = normalise(text)
        columns: list[int] = []
        values: list[float] = []
        offset = 0
        for analyzer, vocabulary, idf, source in zip(
            self._analyzers, self.vocabularies, self.idf, (normal, pinyin(normal)), strict=True
        ):
            counts: dict[int, int] = defaultdict(int)
            for gram in analyzer(source):
                index = vocabulary.get(gram)
                if index is not None:
                    counts[index] += 1
            if counts:
                part = np.array([(1 + math.log(n)) * idf[i] for i, n in counts.items()], dtype=np.float32)
                columns.extend(i + offset for i in counts)
                values.extend(part / np.linalg.norm(part))
            offset += len(vocabulary)
        return np.array(columns, dtype=np.intp), np.array(values, dtype=np.float32)

    def _shares(self, text: str) -> list[dict[str, float]]:
        """Category, fault and pair shares of the text."""
        columns, values = self._features(text)
        margins = self.intercepts + (self.weights[:, columns] @ values if len(columns) else 0.0)
        out: list[dict[str, float]] = []
        start = 0
        for classes in self.classes:
            part = margins[start : start + len(classes)]
            start += len(classes)
            weights = np.exp((part - part.max()) / self.temperature)
            out.append(dict(zip(classes, (weights / weights.sum()).tolist(), strict=True)))
        return out

    def scores(
        self, text: str, *, category: str | None = None, pairs: set[Pair] | None = None
    ) -> dict[Pair, float]:
        """How likely each pair is (summing to 1), over ``pairs`` (default: those it was trained on);
        ``category`` known: only its pairs."""
        allowed = pairs if pairs is not None else self.pairs
        if category is not None:
            allowed = {p for p in allowed if p[0] == category}
        cat, fault, pair = self._shares(text)
        product = _softmax_pairs(
            {(c, f): (1.0 if category else cat.get(c, 0.0)) * fault.get(f, 0.0) for c, f in allowed}
        )
        joint = _softmax_pairs({(c, f): pair.get(f"{c}|{f}", 0.0) for c, f in allowed})
        return _softmax_pairs({p: (1 - self.blend) * product[p] + self.blend * joint[p] for p in allowed})


class Bm25Triage:
    """jieba words and their pinyin, BM25 against every example; a pair scores its best example's score,
    turned into shares with a softmax."""

    name = "jieba_bm25"

    def __init__(self, temperature: float = 2.0) -> None:
        self.temperature = temperature

    @staticmethod
    def tokens(text: str) -> list[str]:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        words = [w.strip() for w in jieba.lcut_for_search(normalise(text)) if w.strip()]
        words = [w for w in words if NOT_WORD.sub("", w)]
        return words + [pinyin(w) for w in words if not w.isascii()]

    def fit(self, examples: Sequence[Example]) -> Bm25Triage:
        from rank_bm25 import BM25Okapi

        self.labels = [(c, f) for _, c, f in examples]
        self.index = BM25Okapi([self.tokens(t) or ["_"] for t, _, _ in examples])
        self.pairs = set(self.labels)
        return self

    def scores(
        self, text: str, *, category: str | None = None, pairs: set[Pair] | None = None
    ) -> dict[Pair, float]:
        allowed = pairs if pairs is not None else self.pairs
        if category is not None:
            allowed = {p for p in allowed if p[0] == category}
        raw = self.index.get_scores(self.tokens(text) or ["_"])
        best: dict[Pair, float] = defaultdict(float)
        for label, score in zip(self.labels, raw, strict=True):
            if label in allowed and score > best[label]:
                best[label] = float(score)
        if not allowed:
            return {}
        top = max((best[p] for p in allowed), default=0.0)
        weights = {p: math.exp((best[p] - top) / self.temperature) for p in allowed}
        return _softmax_pairs(weights)


def ranked(scores: Mapping[Pair, float], n: int = 4) -> list[tuple[Pair, float]]:
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:n]


def top_categories(scores: Mapping[Pair, float]) -> dict[str, float]:
    out: dict[str, float] = defaultdict(float)
    for (category, _), p in scores.items():
        out[category] += p
    return dict(out)


__all__ = ["Bm25Triage", "Example", "LinearTriage", "Pair", "kb_examples", "normalise", "pinyin", "ranked"]
