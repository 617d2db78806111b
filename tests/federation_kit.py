"""Helpers for the federation tests: nodes, pinned partners and signed agreements."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from accord.adapters.agreement_signing import sign_agreement
from accord.bootstrap import Node, init_node, open_node
from accord.domain.agreement import Agreement
from accord.domain.clause import Clause
from accord.domain.markings import TLP
from accord.services.agreements import store_agreement
from accord.services.partners import pin_partner

SCHEMAS = frozenset({"Person", "Vessel", "Phone", "Associate", "Organization", "Membership"})


def make_node(path: Path, node_id: str, country: str, **federation: Any) -> Path:
    """Initialise a node directory (SQLite) with ``federation`` settings in node.yaml."""
    made = init_node(path, node_id=node_id, country=country)
    made.node.close()
    if federation:
        config = path / "node.yaml"
        raw = yaml.safe_load(config.read_text())
        raw["federation"] = federation
        config.write_text(yaml.safe_dump(raw))
    return path


def clause(**kw: Any) -> Clause:
    defaults: dict[str, Any] = {"id": "c1", "schemas": SCHEMAS,
                                "purposes": frozenset({"interdiction"}),
                                "max_tlp": TLP.AMBER, "retention_days": 30}
    return Clause(**{**defaults, **kw})


def signed_agreement(nodes: Iterable[Node], *clauses: Clause, agreement_id: str = "agr-1",
                     now: datetime | None = None) -> Agreement:
    """An agreement between ``nodes``, signed by each node's key and activated."""
    nodes = list(nodes)
    now = now or datetime.now(UTC)
    agreement = Agreement(id=agreement_id, title=f"Agreement {agreement_id}",
                          parties=tuple(n.node_id for n in nodes),
                          valid_from=now - timedelta(days=1), valid_until=now + timedelta(days=365),
                          clauses=clauses or (clause(),)).propose()
    for node in nodes:
        agreement = sign_agreement(agreement, node.node_id, node.keys, now=now)
    keys = {n.node_id: n.keys.public_keys(n.node_id, n.config.country) for n in nodes}
    return agreement.activate(now, lambda party: keys[party])


def install(nodes: Iterable[Node], agreement: Agreement) -> None:
    for node in nodes:
        store_agreement(node.store, agreement)


def pin(node: Node, partner: Node, url: str, *, push: bool = True, pull: bool = False) -> None:
    """``node`` pins ``partner`` (reachable at ``url``) as if by ``accord partner add``."""
    document = partner.keys.public_jwks(partner.node_id, partner.config.country)
    pin_partner(node.store, document, url=url, me=node.node_id, push=push, pull=pull)


@contextmanager
def opened(*paths: Path) -> Iterator[list[Node]]:
    nodes = [open_node(p) for p in paths]
    try:
        yield nodes
    finally:
        for n in nodes:
            n.close()


def report_doc(report_id: str, *, name: str = "Ana Example", purpose: str = "interdiction",
               tlp: str = "AMBER", phone: str | None = None) -> dict[str, Any]:
    props: dict[str, list[str]] = {"name": [name]}
    entities: list[dict[str, Any]] = [{"id": f"{report_id}-p", "schema": "Person",
                                       "properties": props}]
    if phone:
        entities.append({"id": f"{report_id}-ph", "schema": "Phone",
                         "properties": {"number": [phone]}})
    return {"id": report_id, "title": f"Report {report_id}", "purpose": purpose,
            "markings": {"tlp": tlp}, "entities": entities}
