"""E-mail addresses.

No e-mail library is among the dependencies and full RFC 5322 parsing would
accept addresses nobody uses, so this checks the shape people use: a local
part, one ``@``, a domain of valid labels with a dot. The domain is lowercased
(it is case-insensitive); the match key lowercases the local part too, because
in practice every mail provider treats it so.
"""

from __future__ import annotations

import re

from accord.domain.values.base import ValueType

_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")


class EmailType(ValueType):
    name = "email"
    label = "e-mail address"
    identifier = True

    def normalize(self, raw: str, *, country: str | None = None) -> str:
        text = self.clean(raw)
        if text.lower().startswith("mailto:"):
            text = text[7:]
        text = text.strip("<>")
        local, at, domain = text.rpartition("@")
        if not at or not local or not domain:
            raise self.invalid(raw, "it needs one @ between a name and a domain")
        if " " in text or "@" in local or len(local) > 64:
            raise self.invalid(raw, "the part before @ is malformed")
        domain = domain.lower().rstrip(".")
        try:
            ascii_domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            raise self.invalid(raw, f"{domain!r} is not a valid domain") from None
        labels = ascii_domain.split(".")
        if len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels):
            raise self.invalid(raw, f"{domain!r} is not a valid domain")
        return f"{local}@{domain}"

    def key(self, value: str) -> str:
        return value.lower()
