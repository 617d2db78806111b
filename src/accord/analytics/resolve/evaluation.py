"""Scoring resolution against planted truth: pairwise precision, recall and F1.

A pair of mentions is *true* when both are mentions of one true thing, and
*predicted* when both sit in one canonical entity. Mentions the truth does not
list are things of their own (as ``truth.json`` of the synthetic world says of
its background), so merging two of them, or one with a listed mention, counts
against precision. Scores are given per family and, for pairs that involve a
variant kind (transliteration, accents, order, ...), per kind: a pair counts for
every kind either of its mentions was written with.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

# Mention styles of identifiers written as the standard writes them.
_PLAIN_STYLES = {"e164", "compact", None}


@dataclass
class Score:
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        real = self.true_positives + self.false_negatives
        return self.true_positives / real if real else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"precision": round(self.precision, 4), "recall": round(self.recall, 4),
                "f1": round(self.f1, 4), "true_pairs": self.true_positives
                + self.false_negatives, "predicted_pairs": self.true_positives
                + self.false_positives}


@dataclass
class Evaluation:
    families: dict[str, Score] = field(default_factory=dict)
    kinds: dict[str, dict[str, Score]] = field(default_factory=dict)  # family -> kind -> score

    def to_dict(self) -> dict[str, Any]:
        return {"families": {f: s.to_dict() for f, s in sorted(self.families.items())},
                "kinds": {f: {k: s.to_dict() for k, s in sorted(ks.items())}
                          for f, ks in sorted(self.kinds.items())}}


def _pairs(groups: Iterable[list[str]]) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for group in groups:
        ordered = sorted(group)
        out.update((a, b) for i, a in enumerate(ordered) for b in ordered[i + 1:])
    return out


def evaluate(families: Mapping[str, str], membership: Mapping[str, str],
             truth: Mapping[str, str], kinds: Mapping[str, Iterable[str]] | None = None,
             ) -> Evaluation:
    """Pairwise scores of ``membership`` (mention -> canonical id) against ``truth``.

    ``families`` maps every mention considered to its family; ``truth`` maps
    listed mentions to their true id; ``kinds`` maps a mention to its variant kinds.
    """
    kinds = kinds or {}
    result = Evaluation()
    by_family: dict[str, list[str]] = defaultdict(list)
    for mention, family in families.items():
        by_family[family].append(mention)
    for family, mentions in sorted(by_family.items()):
        predicted_groups: dict[str, list[str]] = defaultdict(list)
        true_groups: dict[str, list[str]] = defaultdict(list)
        for m in mentions:
            predicted_groups[membership.get(m, m)].append(m)
            true_groups[truth.get(m, "\x00" + m)].append(m)
        predicted = _pairs(predicted_groups.values())
        real = _pairs(true_groups.values())
        score = Score(len(predicted & real), len(predicted - real), len(real - predicted))
        result.families[family] = score
        per_kind: dict[str, Score] = defaultdict(Score)
        for pair in predicted | real:
            involved = set(kinds.get(pair[0], ())) | set(kinds.get(pair[1], ()))
            for kind in involved or {"none"}:
                s = per_kind[kind]
                if pair in predicted and pair in real:
                    s.true_positives += 1
                elif pair in predicted:
                    s.false_positives += 1
                else:
                    s.false_negatives += 1
        result.kinds[family] = dict(per_kind)
    return result


def synth_truth(raw: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """``(true id by mention id, variant kinds by mention id)`` from a synth ``truth.json``.

    Identifiers written in a non-standard style (a phone in national format, an
    IMO with its prefix) add the kind ``identifier_format``.
    """
    true_of: dict[str, str] = {}
    kinds_of: dict[str, list[str]] = {}
    for true_id, item in raw.get("entities", {}).items():
        for mention in item.get("mentions", ()):
            true_of[mention["id"]] = true_id
            kinds = list(mention.get("variants", ()))
            written_imo = mention.get("imo")
            if mention.get("style") not in _PLAIN_STYLES or (
                    written_imo and written_imo != item.get("imo")):
                kinds.append("identifier_format")
            kinds_of[mention["id"]] = kinds
    return true_of, kinds_of
