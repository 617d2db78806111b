"""The bad inputs of issue 2, as JSONL files, with the problem each must report.

Shared by the CLI and API tests: the same file must fail the same way through
``accord import`` and ``POST /api/v1/import``, naming line, field and reason,
with nothing written.
"""

from __future__ import annotations

import json
from typing import Any

REPORT = {"kind": "report", "id": "R1", "title": "Bad input test"}


def _entity(props: dict[str, list[str]], schema: str = "Person", id: str = "p1") -> dict[str, Any]:
    return {"kind": "entity", "id": id, "schema": schema, "report": "R1", "properties": props}


def _jsonl(*records: dict[str, Any]) -> bytes:
    return b"".join(json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in records)


# name -> (file content, line, field, start of the reason)
BAD_INPUTS: dict[str, tuple[bytes, int, str, str]] = {
    "malformed JSON": (_jsonl(REPORT) + b'{"kind": "entity", "id": \n', 2, "",
                       "not valid JSON"),
    "wrong encoding": (_jsonl(REPORT) + json.dumps(_entity({"name": ["José"]}),
                                                   ensure_ascii=False).encode("latin-1")
                       + b"\n", 2, "encoding", "not valid UTF-8: byte 0xe9"),
    "unknown schema": (_jsonl(REPORT, _entity({"name": ["A"]}, schema="Persn")), 2, "schema",
                       "unknown schema 'Persn' (did you mean 'Person'?)"),
    "unknown property": (_jsonl(REPORT, _entity({"name": ["A"], "shoeSize": ["44"]})), 2,
                         "properties.shoeSize", "schema Person has no property 'shoeSize'"),
    "invalid phone": (_jsonl(REPORT, _entity({"name": ["A"], "phone": ["+57 12"]})), 2,
                      "properties.phone[0]", "'+57 12' is not a valid phone number"),
    "invalid IBAN": (_jsonl(REPORT, _entity({"iban": ["GB00 WEST 1234 5698 7654 32"]},
                                            schema="Account", id="a1")), 2,
                     "properties.iban[0]", "'GB00 WEST 1234 5698 7654 32' is not a valid IBAN"),
    "invalid IMO": (_jsonl(REPORT, _entity({"name": ["V"], "imoNumber": ["IMO 9321484"]},
                                           schema="Vessel", id="v1")), 2,
                    "properties.imoNumber[0]", "'IMO 9321484' is not a valid IMO number"),
    "invalid date": (_jsonl(REPORT, _entity({"name": ["A"], "birthDate": ["1961-13-45"]})), 2,
                     "properties.birthDate[0]", "'1961-13-45' is not a valid date"),
    "invalid country": (_jsonl(REPORT, _entity({"name": ["A"], "nationality": ["Narnia"]})), 2,
                        "properties.nationality[0]", "'Narnia' is not a valid country"),
    "missing required property": (_jsonl(REPORT, _entity({"birthDate": ["1961"]})), 2,
                                  "properties.name",
                                  "required property 'name' of Person is missing"),
    "link to an unknown entity": (_jsonl(REPORT, _entity(
        {"member": ["p404"], "organization": ["mx-org-0001"]}, schema="Membership", id="m1")),
        2, "properties.member", "links to unknown entity 'p404'"),
    "oversize line": (_jsonl(REPORT, _entity({"name": ["A"], "notes": ["x" * (1 << 20)]})), 2,
                      "", "line is longer than 1048576 bytes"),
    "conflicting duplicate id": (_jsonl(REPORT, _entity({"name": ["A"]}),
                                        _entity({"name": ["B"]}, schema="Vessel")), 3,
                                 "schema", "entity 'p1' is a Person on "),
}
