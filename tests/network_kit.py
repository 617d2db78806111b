"""A small hand-written picture for the network tests: one node's reports and a partner's.

The node (``home``) knows Guzmán (line ``H-PH1``) calling Ana (line ``H-PH2``),
Ana associated with Pedro, and Pedro paying Ana. The partner (``PARTNER``)
released a report naming Guzmán again, under its own id ``P-P1`` with the same
date of birth, paying Luis, and a membership of Guzmán in an organisation.
Resolved, the two Guzmán mentions are one entity, and Pedro reaches Luis only
through the partner's payment; alone, the node cannot see Luis at all.
"""

from __future__ import annotations

from typing import Any

from accord.adapters.store import Store
from accord.domain.registry import Registry
from accord.services.reports import create_report

PARTNER = "pa-partner"


def person(entity_id: str, name: str, dob: str, **props: list[str]) -> dict[str, Any]:
    return {"id": entity_id, "schema": "Person",
            "properties": {"name": [name], "birthDate": [dob], **props}}


def link(entity_id: str, schema: str, **props: list[str]) -> dict[str, Any]:
    return {"id": entity_id, "schema": schema, "properties": props}


def seed(store: Store, registry: Registry, home: str) -> None:
    create_report(store, {"id": "H-1", "title": "wiretap", "entities": [
        person("H-P1", "Joaquín GUZMÁN LOERA", "1957-04-04", nationality=["mx"]),
        person("H-P2", "Ana Ruiz", "1980-02-03"),
        person("H-P3", "Pedro Gómez Vidal", "1975-01-01"),
        link("H-PH1", "Phone", number=["+573001112233"], holder=["H-P1"]),
        link("H-PH2", "Phone", number=["+573004445566"], holder=["H-P2"]),
        link("H-C1", "Communication", caller=["H-PH1"], receiver=["H-PH2"],
             date=["2025-01-10"]),
        link("H-C2", "Communication", caller=["H-PH2"], receiver=["H-PH1"],
             date=["2025-01-12"]),
        link("H-A1", "Associate", person=["H-P2"], associate=["H-P3"], startDate=["2025-03"]),
        link("H-T1", "Transaction", payer=["H-P3"], beneficiary=["H-P2"],
             date=["2025-03-15"], amount=["200 USD"]),
    ]}, origin=home, registry=registry)
    create_report(store, {"id": "P-1", "title": "finance", "entities": [
        person("P-P1", "Guzmán Loera, Joaquín", "1957-04-04"),
        person("P-P4", "Luis Pérez Soto", "1990-05-05"),
        {"id": "P-O1", "schema": "Organization", "properties": {"name": ["Cártel del Norte"]}},
        link("P-T1", "Transaction", payer=["P-P1"], beneficiary=["P-P4"],
             date=["2025-02-01"], amount=["1500 USD"]),
        link("P-M1", "Membership", member=["P-P1"], organization=["P-O1"], role=["leader"]),
    ]}, origin=PARTNER, registry=registry)
