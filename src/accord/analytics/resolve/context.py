"""Relational evidence: the things a person holds or belongs to, as resolved entities.

Two agencies rarely write a person alike *and* know the same date of birth; but
what they know around the person often meets: the phone line the person holds,
the account, the organisation, the company owned. Once those things are
resolved (phones, accounts and organisations are resolved before people, and
agree across agencies on identifiers), each person mention gets a *context*:
the canonical ids of the phone lines and accounts it holds (``h:``) and of the
organisations it belongs to (``g:``), read from the relationship entities of
its file:

| entity | the person | the thing |
|---|---|---|
| Phone, Account | ``holder`` | the Phone or Account itself (``h:``) |
| Membership | ``member`` | ``organization`` (``g:``) |

Belonging to one organisation is weaker evidence than it looks: namesakes in
one organisation (brothers, cousins) are common, so that level weighs at most
``comparisons.GROUP_CEILING`` whatever EM finds (unlimited, it merged two
"Yuri Sokolov" of one gang while tuning).

Held phones whose number the mention already states (its ``phone`` property)
are left out: the phone comparison counts them already, and counting one line
twice would overstate it. The person comparison ``context`` then weighs sharing
a held thing like any other field (trained by EM).

A mention's fingerprint covers its context, so an incremental run re-matches
a mention whose context changed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from accord.analytics.resolve.features import EntityLike, Mention
from accord.domain.errors import InvalidValue, SchemaError
from accord.domain.registry import Registry

HELD = {"Phone": "holder", "Account": "holder"}  # schema -> the property naming the holder
GROUPS = {"Membership": ("member", "organization")}  # schema -> (the person, the group)


def relations(registry: Registry, entities: Iterable[EntityLike]
              ) -> dict[str, set[tuple[str, str, str | None]]]:
    """``{person id: {(kind, thing id, phone key or None)}}`` from Phone, Account and
    Membership entities (others are passed over).

    ``kind`` is ``h`` (held) or ``g`` (a group belonged to); the phone key is a
    held Phone's number (E.164), to leave out lines the person mention states.
    """
    out: dict[str, set[tuple[str, str, str | None]]] = {}
    for entity in entities:
        try:
            schema = registry.get(entity.schema)
        except SchemaError:
            continue
        props = entity.properties
        for name, (who, what) in GROUPS.items():
            if schema.is_a(name):
                for member in props.get(who, ()):
                    for group in props.get(what, ()):
                        out.setdefault(member, set()).add(("g", group, None))
        held = next((p for s, p in HELD.items() if schema.is_a(s)), None)
        if held is None:
            continue
        number = None
        if schema.is_a("Phone") and "number" in schema.properties:
            kind = schema.properties["number"].type
            for value in props.get("number", ()):
                try:
                    number = kind.key(value)
                    break
                except InvalidValue:
                    continue
        for holder in props.get(held, ()):
            out.setdefault(holder, set()).add(("h", entity.id, number))
    return out


def with_context(mention: Mention, context: Iterable[str]) -> Mention:
    """``mention`` with ``context`` (sorted, once each), its fingerprint covering it."""
    items = tuple(sorted(set(context)))
    if items == mention.context:
        return mention
    base = mention.fingerprint.split("+", 1)[0]
    digest = hashlib.sha1("\x1e".join(items).encode()).hexdigest()[:16] if items else ""
    if digest:  # the stored fingerprint is at most 40 characters: 23 + '+' + 16
        base = base[:23]
    return replace(mention, context=items,
                   fingerprint=f"{base}+{digest}" if digest else base)


def add_context(mentions: Sequence[Mention],
                related: Mapping[str, set[tuple[str, str, str | None]]],
                canonical: Mapping[str, str]) -> list[Mention]:
    """Person mentions with their context (others unchanged).

    ``related`` comes from ``relations``; ``canonical`` maps a thing's entity id to
    its canonical id (ids it lacks stand for themselves).
    """
    out: list[Mention] = []
    for mention in mentions:
        found = related.get(mention.id)
        if mention.family != "Person" or not found:
            out.append(mention)
            continue
        own = set(mention.keys.get("phones", ()))
        context = [f"{kind}:{canonical.get(thing, thing)}" for kind, thing, number in found
                   if number is None or number not in own]
        out.append(with_context(mention, context))
    return out
