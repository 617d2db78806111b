"""The answer key: ``truth.json``, written beside the national files, never imported.

``TruthSink`` collects, while the files are written, which entity id each
nation used for each true thing. ``build_truth`` assembles the document
(keys documented in docs/synth.md) and ``load_truth`` reads it back as a
``Truth`` with a few lookups that graders need.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

FORMAT = "accord-synth-truth/1"


class TruthSink:
    """Mentions per true id, in the order they were written."""

    def __init__(self) -> None:
        self.mentions: dict[str, list[dict[str, Any]]] = {}
        #: mentions of background things by what makes them one thing wherever they
        #: are written (a phone's E.164 number): see ``build_truth``
        self.background: dict[str, list[dict[str, Any]]] = {}

    def mention(self, true_id: str, nation: str, entity_id: str, report_id: str,
                info: dict[str, Any]) -> None:
        self.mentions.setdefault(true_id, []).append(
            {"nation": nation, "id": entity_id, "report": report_id, **info})

    def background_mention(self, key: str, nation: str, entity_id: str, report_id: str,
                           info: dict[str, Any]) -> None:
        self.background.setdefault(key, []).append(
            {"nation": nation, "id": entity_id, "report": report_id, **info})


@dataclass(frozen=True)
class Mention:
    true_id: str
    nation: str
    id: str
    report: str
    info: dict[str, Any]


class Truth:
    """A loaded answer key. ``raw`` is the whole document (see docs/synth.md)."""

    def __init__(self, raw: dict[str, Any]) -> None:
        if raw.get("format") != FORMAT:
            raise ValueError(f"not an {FORMAT} document (format={raw.get('format')!r})")
        self.raw = raw
        self._by_mention: dict[tuple[str, str], str] = {}
        for section in ("entities", "shipments", "seizures", "payments"):
            for true_id, item in raw.get(section, {}).items():
                for m in item.get("mentions", []):
                    self._by_mention[(m["nation"], m["id"])] = true_id

    @property
    def nations(self) -> list[str]:
        return list(self.raw["nations"])

    @property
    def entities(self) -> dict[str, dict[str, Any]]:
        return dict(self.raw["entities"])

    def true_id(self, nation: str, entity_id: str) -> str | None:
        """The true thing a nation's entity id is a mention of; None for background."""
        return self._by_mention.get((nation.upper(), entity_id))

    def mentions(self, true_id: str) -> list[Mention]:
        for section in ("entities", "shipments", "seizures", "payments"):
            item = self.raw.get(section, {}).get(true_id)
            if item is not None:
                return [Mention(true_id, m["nation"], m["id"], m["report"],
                                {k: v for k, v in m.items()
                                 if k not in ("nation", "id", "report")})
                        for m in item.get("mentions", [])]
        raise KeyError(true_id)

    def clusters(self, schema: str | None = None) -> dict[str, list[tuple[str, str]]]:
        """True id -> [(nation, entity id), ...] for every listed entity (of ``schema``)."""
        return {tid: [(m["nation"], m["id"]) for m in e["mentions"]]
                for tid, e in self.raw["entities"].items()
                if schema is None or e["schema"] == schema}

    @property
    def key_players(self) -> list[dict[str, Any]]:
        return list(self.raw["key_players"])


def load_truth(path: str | Path) -> Truth:
    """Read ``truth.json`` (or the directory holding it)."""
    p = Path(path)
    if p.is_dir():
        p = p / "truth.json"
    return Truth(orjson.loads(p.read_bytes()))


def variant_summary(entities: dict[str, dict[str, Any]], intended: float) -> dict[str, Any]:
    """How person mentions were spelled: the rate at which they differ from the canonical
    form (unforced mentions only) and how often each variant kind occurs."""
    kinds: Counter[str] = Counter()
    total = varied = 0
    for item in entities.values():
        if item["schema"] != "Person":
            continue
        for m in item["mentions"]:
            kinds.update(m.get("variants", []))
            if m.get("forced"):
                continue
            total += 1
            varied += bool(m.get("variants"))
    return {"intended_rate": intended, "observed_rate": round(varied / total, 4) if total else 0,
            "mentions": total, "by_kind": dict(sorted(kinds.items()))}
