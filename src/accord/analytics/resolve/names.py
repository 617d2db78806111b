"""Name features for matching: tokens, their spelling-variant outlines, and name keys.

Built on ``accord.domain.values.namekeys`` (transliteration with anyascii, the
``skeleton`` outlines that fold Spanish/English/Russian/Arabic spellings). What
this module adds is what a *comparison* of two names needs and a search does not:

- particles (de, la, van, al, bin...) and, for organisations and vessels, legal
  forms (S.A.S., Ltd, B.V.) are dropped, because agencies keep or drop them at will;
  runs of single letters are joined first, so ``S.A.S.`` and ``SAS`` are one token;
- each token has a set of *outlines* (its skeletons; digits stand for themselves;
  a lone letter is an initial, outlined ``^j``);
- the *pool* of a name is every outline another name's token may meet: the
  tokens' outlines, the outlines of adjacent tokens written together (``Xiao-ming``
  meets ``Xiaoming``), every token's initial (``J.`` meets ``Joaquín``) and the
  outlines ``name_keys`` gives (which include each syllable of a Han name).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from accord.domain.values import name_keys, name_tokens
from accord.domain.values.namekeys import SKELETON, skeletons

PARTICLES = frozenset({
    "de", "del", "la", "las", "los", "le", "da", "das", "do", "dos", "di", "du", "van", "von",
    "der", "den", "ter", "al", "el", "bin", "ibn", "binti", "y", "e", "and",
})
LEGAL_FORMS = frozenset({
    "sa", "sas", "sac", "saa", "sl", "slu", "srl", "sadecv", "sapi", "sapidecv", "cv", "ltd",
    "ltda", "llc", "llp", "lp", "inc", "corp", "corporation", "co", "cia", "company",
    "limited", "bv", "nv", "gmbh", "ag", "plc", "pte", "eirl", "spa", "oy", "ab", "as", "the",
})


@dataclass(frozen=True)
class NameFeatures:
    """One name, ready to compare. ``tokens[i]`` has outlines ``outlines[i]``."""

    key: str  # tokens sorted and joined: equal for the same spelling in any order
    tokens: tuple[str, ...]
    outlines: tuple[tuple[str, ...], ...]
    pool: tuple[str, ...]

    @property
    def letters(self) -> int:
        """Consonants in the name's outline: how specific the name is."""
        return sum(len(o[0].lstrip("V^")) for o in self.outlines if o)

    @property
    def outline_key(self) -> str:
        """One outline per token, sorted: equal for most spellings of the same name."""
        return " ".join(sorted(o[0] for o in self.outlines if o))


def _join_letters(tokens: list[str]) -> list[str]:
    """``s a s`` -> ``sas``: initials and dotted abbreviations written together."""
    out: list[str] = []
    run: list[str] = []
    for token in tokens + [""]:
        if len(token) == 1 and token.isalpha():
            run.append(token)
            continue
        if len(run) > 1:
            out.append("".join(run))
        elif run:
            out.append(run[0])
        run = []
        if token:
            out.append(token)
    return out


def outlines(token: str) -> tuple[str, ...]:
    """The outlines of one ASCII token, sorted (the first is its canonical outline)."""
    if token.isdigit():
        return (token,)
    if len(token) == 1:
        return ("^" + token,)
    found = skeletons(token)
    if token.endswith(("off", "eff")):  # Volkoff, Popoff: French for Russian -ov / -ev
        found |= skeletons(token[:-2] + "v")
    if token[0] in "aeiou":
        # A one-letter outline says little; keep a vowel start apart from a consonant
        # one, so that Ochoa (X) does not pass for Chou (X) while Li still meets Lee.
        found = {("V" + o if len(o) == 1 else o) for o in found}
    return tuple(sorted(found)) if found else (token,)


def legal_form(text: str) -> str | None:
    """The legal form at the end of an organisation's name, normalised (``sadecv``).

    ``S.A. de C.V.``, ``SAdeCV`` and ``sa de cv`` give the same; None if there is none.
    """
    tokens = _join_letters(name_tokens(text))
    tail: list[str] = []
    for token in reversed(tokens):
        if token in LEGAL_FORMS and token != "the" or (token == "de" and tail):
            tail.insert(0, token)
            continue
        break
    while tail and tail[0] == "de":
        tail.pop(0)
    return "".join(tail) or None


@lru_cache(maxsize=200_000)
def name_features(text: str, organisation: bool = False) -> NameFeatures | None:
    """The features of one written name; None if nothing comparable is left."""
    tokens = name_tokens(text)
    if organisation:
        tokens = _join_letters(tokens)
        kept = [t for t in tokens if t not in LEGAL_FORMS and t not in PARTICLES]
    else:
        kept = [t for t in tokens if t not in PARTICLES]
    tokens = kept or tokens
    if not tokens:
        return None
    outs = tuple(outlines(t) for t in tokens)
    pool: set[str] = {o for group in outs for o in group}
    pool |= {"^" + t[0] for t in tokens}
    for a, b in zip(tokens, tokens[1:], strict=False):
        pool.update(outlines(a + b))
    # Han and Hangul names also key their single syllables (王小明: xiao, ming).
    # (One-letter outlines are left out: see ``outlines`` on telling their starts apart.)
    pool.update(k[len(SKELETON):] for k in name_keys(text)
                if k.startswith(SKELETON) and len(k) > len(SKELETON) + 1)
    return NameFeatures(key=" ".join(sorted(tokens)), tokens=tuple(tokens), outlines=outs,
                        pool=tuple(sorted(pool)))
