"""How rare a name is: the bits of a name's own frequency, for term-frequency weights.

Agreeing on "Jason Jones" says less than agreeing on "Londoño Otero Miguel
Ángel": more people bear the first. Fellegi–Sunter weighs an agreement by
``log2(m / u)``, with ``u`` the chance that two different people agree so; for a
whole name that chance is the share of people who bear *that* name, not the
average over all names (Splink's term-frequency adjustment). A family's model
keeps, frozen at training, how many mentions had each name token outline (so
spellings fold together), over all mentions and per nationality, and a name's
*bits* are

    bits = -log2(P(nationality) * prod_t p(t | nationality)),  p(t) = count(t) / N

with N the mentions (of that nationality) at training: names are drawn from a
nationality's pool, so tokens are independent within it, not across it
("Yusef Ben Ali" is common among Moroccans). A mention without a single
nationality, or of one seen fewer than ``MIN_GROUP`` times, uses the counts
over everyone. A token counts as its commonest reading (``Hai`` is read
``ai`` or ``h``), a token unseen at training counts once, and an initial
(``J.``) fits one name in twenty. ``scoring`` weighs agreeing on a whole name
(any spelling, order or script) ``log2(m) + bits``.

The table is part of the model, like its list of common names, so that a pair's
score still depends only on the pair and the model (no term frequencies read
from the data being scored).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping

from accord.analytics.resolve.names import NameFeatures

INITIAL = 1 / 20  # the share of names a lone initial fits
MIN_GROUP = 50  # mentions of one nationality from which its own counts are used
_ALL = ""  # the key prefix of counts over every nationality


def _groups(country: str | None) -> tuple[str, ...]:
    return (_ALL, f"{country}|") if country else (_ALL,)


def token_counts(names: Iterable[tuple[NameFeatures | None, str | None]]) -> dict[str, int]:
    """Mentions per token outline, over all and per nationality (``cc|outline``).

    ``names`` are (primary name, nationality or None) per mention; ``|`` alone
    (``cc|``) counts a nationality's mentions. Every outline of a token counts
    (``Hai`` is read ``ai`` or ``h``), once per mention.
    """
    counts: Counter[str] = Counter()
    for name, country in names:
        if name is None:
            continue
        outs = {o for group in name.outlines for o in group if not o.startswith("^")}
        for prefix in _groups(country):
            counts.update(prefix + o for o in outs)
            if prefix:
                counts[prefix] += 1
    return dict(counts)


def name_bits(name: NameFeatures | None, counts: Mapping[str, int], total: int,
              country: str | None = None) -> float | None:
    """``-log2`` of the share of people bearing ``name``; None without a table.

    With a ``country`` (the mention's single nationality) seen at least
    ``MIN_GROUP`` times, the share is that nationality's share times the name's
    share among its bearers: names are drawn from a nationality's pool, so
    tokens are independent within it, not across it ("Yusef Ben Ali" is common
    among Moroccans, not rare among everyone).
    """
    if name is None or total <= 0 or not counts:
        return None
    prefix, size, bits = _ALL, total, 0.0
    group = counts.get(f"{country}|", 0) if country else 0
    if group >= MIN_GROUP:
        prefix, size, bits = f"{country}|", group, math.log2(total / group)
    for tokens in name.outlines:
        if tokens and tokens[0].startswith("^"):
            bits -= math.log2(INITIAL)
            continue
        # the token's most common reading: a name is only as rare as its commonest form
        seen = max((counts.get(prefix + o, 0) for o in tokens), default=0)
        bits += math.log2(size / min(max(seen, 1), size))
    return round(bits, 3)
