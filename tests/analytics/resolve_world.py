"""A small, hand-written set of mentions for resolution tests (several agencies' writings)."""

from __future__ import annotations

from types import SimpleNamespace

from accord.analytics.resolve.features import Mention, mention_of
from accord.domain.registry import Registry

# (entity id, schema, properties); the true entity is the id's prefix before "@".
WORLD: list[tuple[str, str, dict[str, list[str]]]] = [
    ("guzman@co", "Person", {"name": ["Joaquín GUZMÁN LOERA"], "birthDate": ["1957-04-04"],
                             "nationality": ["mx"]}),
    ("guzman@mx", "Person", {"name": ["Guzmán Loera, Joaquín"], "birthDate": ["1957-04-04"],
                             "phone": ["+526671234567"]}),
    ("guzman@ru", "Person", {"name": ["Хоакин Гусман Лоэра"], "birthDate": ["1957-04-04"]}),
    ("guzman@us", "Person", {"name": ["Joaquin Guzman"], "phone": ["+526671234567"]}),
    ("popov@co", "Person", {"name": ["Yevgeniy Popov"], "birthDate": ["1963-03-31"],
                            "passportNumber": ["720011223"], "nationality": ["ru"]}),
    ("popov@es", "Person", {"name": ["POPOFF, Evgueni"], "birthDate": ["1963-03"]}),
    ("popov@pa", "Person", {"name": ["Evgeny Popov"], "passportNumber": ["72 0011223"]}),
    ("ospina@co", "Person", {"name": ["María Ospina Gutiérrez"], "birthDate": ["1988-06-20"]}),
    ("ospina@mx", "Person", {"name": ["OSPINA Maaría"], "birthDate": ["1988-06-20"]}),
    ("hassan@es", "Person", {"name": ["Mohammed Hassan Khoury"], "birthDate": ["1971-09-09"]}),
    ("hassan@us", "Person", {"name": ["Muhammad Hasan Khouri"], "birthDate": ["1971-09-09"]}),
    # look-alikes: the same common name, different people
    ("ruiz1@co", "Person", {"name": ["Ana Ruiz"], "birthDate": ["1980-02-03"],
                            "passportNumber": ["AA100001"], "nationality": ["co"]}),
    ("ruiz2@co", "Person", {"name": ["Ana Ruiz"], "birthDate": ["1991-11-30"],
                            "passportNumber": ["AA100002"], "nationality": ["co"]}),
    ("volkov@es", "Person", {"name": ["Dmitri Volkov"], "birthDate": ["1970-01-01"]}),
    ("sokolov@es", "Person", {"name": ["Igor Sokolov"], "birthDate": ["1966-05-05"]}),
    # organisations, vessels, phones, accounts
    ("bananos@co", "Company", {"name": ["Bananos del Sur S.A.S."],
                               "registrationNumber": ["900.123.456-7"], "country": ["co"]}),
    ("bananos@mx", "Company", {"name": ["BANANOS DEL SUR SAS"], "country": ["co"]}),
    ("bananos2@co", "Company", {"name": ["Bananos del Sur Ltda."],
                                "registrationNumber": ["800.999.111-2"], "country": ["co"]}),
    ("libertad@co", "Vessel", {"name": ["LIBERTAD I"], "imoNumber": ["9815276"]}),
    ("libertad@us", "Vessel", {"name": ["Libertad I"], "imoNumber": ["IMO 9815276"]}),
    ("libertad2@pa", "Vessel", {"name": ["LIBERTAD I"], "imoNumber": ["9074729"]}),
    ("phone@co", "Phone", {"number": ["+573007890253"]}),
    ("phone@mx", "Phone", {"number": ["+573007890253"], "imei": ["353003426076839"]}),
    ("acct@co", "Account", {"iban": ["ES9121000418450200051332"]}),
    ("acct@es", "Account", {"iban": ["ES9121000418450200051332"], "bankName": ["CaixaBank"]}),
]


def normalised(registry: Registry, schema: str,
               props: dict[str, list[str]]) -> dict[str, list[str]]:
    """The values as the store keeps them (each normalised by its value type)."""
    found = registry.get(schema)
    return {p: [found.get(p).type.normalize(v) for v in vs] for p, vs in props.items()}


def mentions(registry: Registry, ids: set[str] | None = None) -> list[Mention]:
    out = []
    for entity_id, schema, props in WORLD:
        if ids is not None and entity_id not in ids:
            continue
        found = mention_of(registry, SimpleNamespace(
            id=entity_id, schema=schema, properties=normalised(registry, schema, props)))
        assert found is not None, entity_id
        out.append(found)
    return out


def truth(ids: list[str]) -> set[frozenset[str]]:
    """The true groups among ``ids``."""
    groups: dict[str, set[str]] = {}
    for i in ids:
        groups.setdefault(i.split("@")[0], set()).add(i)
    return {frozenset(g) for g in groups.values()}
