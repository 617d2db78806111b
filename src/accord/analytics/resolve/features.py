"""Per-schema comparison inputs: what of an entity's statements the matcher looks at.

Resolution works per *family*: Person; Organization (with Company, which extends
it); Vessel; Phone; Account. A family declares its fields as data (``FAMILIES``):
which properties feed the name, the date, the identifier keys, the countries, the
free-text tokens. ``mention_of`` turns one entity (or anything with ``id``,
``schema`` and ``properties``) into a ``Mention``: a flat record of those fields,
already normalised, ready for blocking, Splink and evidence.

Values arrive normalised by their value types (statements are), so identifier
keys only need the type's ``key`` (``AB-123 456`` and ``ab123456`` meet).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from accord.analytics.resolve.frequencies import name_bits
from accord.analytics.resolve.names import NameFeatures, legal_form, name_features
from accord.domain.errors import InvalidValue, SchemaError
from accord.domain.registry import Registry
from accord.domain.values import name_key, name_tokens


class EntityLike(Protocol):
    """What a mention is made from (``accord.domain.entity.Entity`` is one)."""

    @property
    def id(self) -> str: ...
    @property
    def schema(self) -> str: ...
    @property
    def properties(self) -> Mapping[str, Sequence[str]]: ...


@dataclass(frozen=True)
class KeyField:
    """A set of exact keys (identifiers) from properties of one value type each."""

    column: str
    props: tuple[str, ...]
    label: str
    #: identical keys are hard evidence (a passport, an IMO, an IBAN)
    strong: bool = False
    #: two mentions with keys here that share none cannot be one entity (an IMO)
    identity: bool = False
    #: the same, but only between mentions of the same single country: a passport
    #: or company registration number is issued once per country
    identity_in_country: bool = False


@dataclass(frozen=True)
class FamilySpec:
    """The fields one family compares. ``names`` are name properties (caption first)."""

    name: str
    names: tuple[str, ...] = ()
    name_parts: tuple[str, ...] = ()  # composed into one more name (first ... last)
    aliases: tuple[str, ...] = ()  # nicknames: compared apart, never as the name
    organisation: bool = False  # drop legal forms from names
    legal_form: bool = False  # compare the legal form (S.A.S. / Ltda.) apart
    date: str | None = None
    date_label: str = "date"
    keys: tuple[KeyField, ...] = ()
    countries: tuple[str, ...] = ()
    text: tuple[str, ...] = ()  # free text compared as token sets (addresses, banks)
    text_label: str = "address"
    context: bool = False  # compare what the mentions hold or belong to (``context``)

    @property
    def props(self) -> frozenset[str]:
        """Every property the family's fields read."""
        out = set(self.names) | set(self.name_parts) | set(self.aliases) | set(self.countries)
        out |= set(self.text)
        out |= {p for k in self.keys for p in k.props}
        if self.date:
            out.add(self.date)
        return frozenset(out)

    @property
    def strong_columns(self) -> tuple[str, ...]:
        return tuple(k.column for k in self.keys if k.strong)

    @property
    def identity_columns(self) -> tuple[str, ...]:
        return tuple(k.column for k in self.keys if k.identity)

    @property
    def country_identity_columns(self) -> tuple[str, ...]:
        return tuple(k.column for k in self.keys if k.identity_in_country)


FAMILIES: dict[str, FamilySpec] = {
    "Person": FamilySpec(
        name="Person", names=("name", "alias"),
        name_parts=("firstName", "middleName", "lastName", "secondLastName"),
        aliases=("weakAlias",), date="birthDate", date_label="date of birth",
        keys=(KeyField("passport", ("passportNumber",), "passport number", strong=True,
                       identity_in_country=True),
              KeyField("docs", ("idNumber", "taxNumber"), "ID or tax number", strong=True),
              KeyField("phones", ("phone",), "phone numbers"),
              KeyField("emails", ("email",), "e-mail addresses")),
        countries=("nationality",), text=("address",), context=True),
    "Organization": FamilySpec(
        name="Organization", names=("name", "alias"), organisation=True, legal_form=True,
        date="incorporationDate", date_label="founded",
        keys=(KeyField("docs", ("registrationNumber", "taxNumber", "idNumber"),
                       "registration numbers", strong=True, identity_in_country=True),
              KeyField("phones", ("phone",), "phone numbers"),
              KeyField("emails", ("email",), "e-mail addresses")),
        countries=("jurisdiction", "country"), text=("address",)),
    "Vessel": FamilySpec(
        name="Vessel", names=("name", "alias"), organisation=True,
        date="buildDate", date_label="year built",
        keys=(KeyField("imo", ("imoNumber",), "IMO number", strong=True, identity=True),
              KeyField("mmsi", ("mmsi",), "MMSI", strong=True, identity_in_country=True),
              KeyField("callsign", ("callSign",), "call sign")),
        countries=("flag",)),
    "Phone": FamilySpec(
        name="Phone", names=("name",),
        keys=(KeyField("number", ("number",), "number", strong=True, identity=True),
              KeyField("imei", ("imei",), "IMEI", strong=True),
              KeyField("imsi", ("imsi",), "IMSI", strong=True)),
        text=("carrier",), text_label="carrier"),
    "Account": FamilySpec(
        name="Account", names=("name",),
        keys=(KeyField("iban", ("iban",), "IBAN", strong=True, identity=True),
              KeyField("number", ("accountNumber", "cryptoAddress"), "account number",
                       strong=True, identity=True),
              KeyField("bic", ("bic",), "BIC")),
        text=("bankName",), text_label="bank"),
}


def family_of(registry: Registry, schema: str) -> FamilySpec | None:
    """The family an entity of ``schema`` is resolved in, or None (not resolved)."""
    try:
        resolved = registry.get(schema)
    except SchemaError:
        return None
    for name, spec in FAMILIES.items():
        if resolved.is_a(name):
            return spec
    return None


@dataclass(frozen=True)
class Mention:
    """One entity as the matcher sees it. ``keys[column]`` are sorted exact keys."""

    id: str
    family: str
    schema: str
    caption: str
    written: tuple[str, ...]  # the names as written (features are derived from these)
    names: tuple[NameFeatures, ...]
    aliases: tuple[str, ...]  # name keys of nicknames ("El Abogado")
    form: str | None  # legal form, normalised ("sas", "sadecv")
    date: str | None
    keys: Mapping[str, tuple[str, ...]]
    countries: tuple[str, ...]
    text: tuple[str, ...]
    fingerprint: str = field(default="", compare=False)
    #: canonical ids of what the mention holds (``h:``) or belongs to (``g:``): see
    #: ``context``; empty unless given
    context: tuple[str, ...] = ()

    @property
    def name(self) -> NameFeatures | None:
        """The primary name (the caption's), if any."""
        return self.names[0] if self.names else None

    def record(self, uid: int, common: Collection[str] = (),
               tokens: Mapping[str, int] | None = None, total: int = 0) -> dict[str, Any]:
        """The row Splink compares (see ``splink_model``); ``uid`` is the row's id.

        ``common`` holds the name outlines the family's model counts as common;
        ``tokens`` and ``total`` its token counts (``frequencies``).
        """
        primary = self.name
        pool: set[str] = set()
        for features in self.names:
            pool.update(features.pool)
        row: dict[str, Any] = {
            "unique_id": uid,
            "name_keys": sorted({n.key for n in self.names}) or None,
            "name_toks": list(primary.tokens) if primary else None,
            "name_outl": [list(o) for o in primary.outlines] if primary else None,
            "name_pool": sorted(pool) or None,
            "name_len": primary.letters if primary else None,
            "name_common": primary.outline_key in common if primary else None,
            "name_bits": name_bits(primary, tokens or {}, total,
                                   self.countries[0] if len(self.countries) == 1 else None),
            "b_name": primary.outline_key if primary else None,
            "aliases": list(self.aliases) or None,
            "form": self.form,
            "date": self.date,
            "countries": list(self.countries) or None,
            "text": list(self.text) or None,
        }
        if FAMILIES[self.family].context:
            row["context"] = list(self.context) or None
        for column, values in self.keys.items():
            row[column] = list(values) or None
        strong = [f"{c}:{v}" for c in FAMILIES[self.family].strong_columns
                  for v in self.keys.get(c, ())]
        row["b_key"] = strong[0] if strong else None
        return row

    def identity(self) -> dict[str, frozenset[str]]:
        """Keys of the family's identity fields (two mentions disagreeing there differ).

        A field issued per country counts only for a mention of one country, under
        ``column@country``: two Colombian registration numbers that differ mean two
        companies; a Colombian and a Mexican one may be the same company's.
        """
        spec = FAMILIES[self.family]
        out = {c: frozenset(self.keys[c]) for c in spec.identity_columns if self.keys.get(c)}
        if len(self.countries) == 1:
            country = self.countries[0]
            out.update({f"{c}@{country}": frozenset(self.keys[c])
                        for c in spec.country_identity_columns if self.keys.get(c)})
        numbers = self.name_numbers()
        if numbers:
            out[NAME_NUMBERS] = numbers
        return out

    def name_numbers(self) -> frozenset[str]:
        """For a vessel known by name alone: the numbers its names carry ("Go-fast 3" ->
        {"3"}). Two such vessels whose names carry different numbers are two vessels
        ("Go-fast 1", "Go-fast 2"); with an IMO or MMSI the identifier decides."""
        if self.family not in NUMBERED or any(self.keys.get(c)
                                              for c in FAMILIES[self.family].strong_columns):
            return frozenset()
        return frozenset(n.lstrip("0") or "0" for name in self.written
                         for n in re.findall(r"\d+", name))

    def to_dict(self) -> dict[str, Any]:
        """What a store keeps to rebuild the mention without its statements."""
        return {"id": self.id, "family": self.family, "schema": self.schema,
                "caption": self.caption, "written": list(self.written),
                "aliases": list(self.aliases), "form": self.form, "date": self.date,
                "keys": {k: list(v) for k, v in self.keys.items() if v},
                "countries": list(self.countries), "text": list(self.text),
                "fingerprint": self.fingerprint,
                **({"context": list(self.context)} if self.context else {})}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Mention:
        spec = FAMILIES[data["family"]]
        written = tuple(data.get("written", ()))
        names = tuple(f for f in (name_features(t, spec.organisation) for t in written) if f)
        keys = {k.column: tuple(data.get("keys", {}).get(k.column, ())) for k in spec.keys}
        return cls(id=data["id"], family=spec.name, schema=data["schema"],
                   caption=data["caption"], written=written, names=names,
                   aliases=tuple(data.get("aliases", ())), form=data.get("form"),
                   date=data.get("date"), keys=keys,
                   countries=tuple(data.get("countries", ())), text=tuple(data.get("text", ())),
                   fingerprint=data.get("fingerprint", ""),
                   context=tuple(data.get("context", ())))


#: families whose numbered names (fleets of go-fasts) tell things apart; the identity key
NUMBERED = frozenset({"Vessel"})
NAME_NUMBERS = "numbers in the name"


def _values(properties: Mapping[str, Sequence[str]], props: Sequence[str]) -> list[str]:
    out: list[str] = []
    for prop in props:
        for value in properties.get(prop, ()):
            if value not in out:
                out.append(value)
    return out


def _keys(registry: Registry, schema: str, properties: Mapping[str, Sequence[str]],
          props: Sequence[str]) -> tuple[str, ...]:
    resolved = registry.get(schema)
    found: set[str] = set()
    for prop in props:
        if prop not in resolved.properties:
            continue
        kind = resolved.properties[prop].type
        for value in properties.get(prop, ()):
            try:
                found.add(kind.key(value))
            except InvalidValue:
                continue  # a stored value is normalised; a stray one just does not count
    return tuple(sorted(k for k in found if k))


def _best_date(values: Sequence[str]) -> str | None:
    """The most precise date stated (first among equals): ``1980-02-03`` over ``1980``."""
    dated = [v[:10] for v in values if v[:4].isdigit()]
    return max(dated, key=len) if dated else None


def mention_of(registry: Registry, entity: EntityLike) -> Mention | None:
    """The mention of ``entity``, or None if its schema is not resolved or it has no field."""
    spec = family_of(registry, entity.schema)
    if spec is None:
        return None
    props = entity.properties
    nicknames = _values(props, spec.aliases)
    # An agency that knows only the nickname writes it as the name: such a mention
    # has no real name to compare, only the nickname.
    written = [n for n in _values(props, spec.names) if n not in nicknames]
    parts = [" ".join(props.get(p, ())[:1]) for p in spec.name_parts]
    composed = " ".join(p for p in parts if p)
    if composed and composed not in written:
        written.append(composed)
    names = tuple(f for f in (name_features(t, spec.organisation) for t in written) if f)
    keys = {k.column: _keys(registry, entity.schema, props, k.props) for k in spec.keys}
    countries = tuple(sorted({c.lower() for c in _values(props, spec.countries)}))
    text = tuple(sorted({t for v in _values(props, spec.text) for t in name_tokens(v)
                         if len(t) > 1}))
    date = _best_date(props.get(spec.date, ())) if spec.date else None
    aliases = tuple(sorted({key for key in (name_key(n) for n in nicknames) if key}))
    form = next((f for f in map(legal_form, written) if f), None) if spec.legal_form else None
    if not names and not aliases and not any(keys.values()):
        return None
    caption = (written[0] if written else nicknames[0] if nicknames
               else next(v for vs in keys.values() for v in vs))
    return Mention(id=entity.id, family=spec.name, schema=entity.schema, caption=caption,
                   written=tuple(written), names=names, aliases=aliases, form=form, date=date,
                   keys=keys,
                   countries=countries, text=text,
                   fingerprint=fingerprint(entity.schema, props, spec.props))


def fingerprint(schema: str, properties: Mapping[str, Sequence[str]],
                used: Collection[str]) -> str:
    """A digest of the values the matcher uses: changes exactly when one of them does."""
    digest = hashlib.sha1(schema.encode())
    for prop in sorted(p for p in properties if p in used):
        for value in sorted(properties[prop]):
            digest.update(f"\x1e{prop}\x1f{value}".encode())
    return digest.hexdigest()
