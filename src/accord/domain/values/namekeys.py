"""Matching keys for names, across accents, case, word order, scripts and spellings.

``name_key`` is one string per name: transliterated (anyascii), casefolded, without
punctuation, tokens sorted. Two writings of a name in the same spelling share it.

``name_keys`` is a set of per-token keys for search and blocking. Each token gives
its ASCII form and a *skeleton*: a consonant outline after folding the spellings
that differ between Spanish, English, Portuguese, Russian and Arabic
transliterations (j / kh / h, qu / c / k / q, z / s, v / b / w, sh / ch / sch / zh,
ph / f, th / t, doubled letters) and dropping vowels, because abjad scripts do not
write short vowels (anyascii turns محمد into ``mhmd``; Muhammad, Mohammed and
Mohamed all outline to ``mhmd``). Skeletons are prefixed with ``~`` so a caller can
weigh an exact-token hit above a spelling-variant hit; they are deliberately loose
(recall for candidate generation) and a scorer must rank what they bring in.

Han and Hangul are transliterated syllable by syllable: 王小明 gives the tokens
``wang xiaoming`` (surname, given name, as romanised names are written) and, for
the keys only, the single syllables too.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from anyascii import anyascii

SKELETON = "~"
_WORD = re.compile(r"[^\W_]+(?:['’`ʼ][^\W_]+)*")
_TOKEN = re.compile(r"[a-z0-9]+")
# Applied in order to a lowercase ASCII token.
_FOLDS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), repl)
    for pattern, repl in (
        (r"dzh|dj", "j"),  # Джамал -> Dzhamal: Russian for a foreign j
        (r"shch|tsch|sch|tch|sh|ch|zh", "X"),  # one hushing sound, however spelt
        (r"kh|j", "h"),  # Хоакин -> Khoakin, Joaquín: the same h
        (r"gh", "g"),
        (r"ph", "f"),
        (r"th", "t"),
        (r"dh", "d"),
        (r"qu|ck|q", "k"),
        (r"c(?=[eiy])", "s"),
        (r"c", "k"),
        (r"x", "ks"),
        (r"z|ts|tz", "s"),
        (r"v", "b"),
        # w is a consonant first or next to a vowel (Wladimir, Iwanow) and a long vowel
        # between consonants, as Arabic writes it (يوسف -> ywsf, Yusuf).
        (r"^w|w(?=[aeiou])|(?<=[aeiou])w", "b"),
        (r"w", "u"),
        (r"h$", ""),  # final h is silent or a taa marbuta: Fatimah, فاطمة (ftmh), Fatima
        (r"(.)\1+", r"\1"),  # before dropping vowels, so Jesús (hss) stays apart from José (hs)
        (r"[aeiouy]", ""),
    )
)
# Spanish and Portuguese do not pronounce an initial h, so Russian drops it
# (Hernández -> Эрнандес): such tokens also get a skeleton without it.
_SILENT_H = re.compile(r"h(?=[aeiouy])")
# Spanish g before e/i sounds like j (Jorge -> Хорхе, Ángel -> Анхель) but other
# languages keep it hard (Sergei, Мигель for Miguel): both outlines are kept.
_SOFT_G = re.compile(r"g(?=[ei])")


# Han ideographs (with extensions and compatibility forms) and Hangul syllables: one
# character is one romanised syllable.
_SYLLABIC = re.compile(
    "[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af\U00020000-\U0003134f]")


def _ascii(word: str) -> str:
    return re.sub(r"[^a-z0-9]", "", anyascii(word).casefold())


@lru_cache(maxsize=65536)
def _word_tokens(word: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(tokens, extra key-only tokens) of one word in any script."""
    if not _SYLLABIC.search(word):
        # Hyphens and other punctuation inside a transliteration split tokens;
        # apostrophes (O'Brien, Yur'evich, Arabic ʿayn) do not.
        text = re.sub(r"['’`ʼ]", "", anyascii(word).casefold())
        return tuple(_TOKEN.findall(text)), ()
    syllables = [s for s in (_ascii(ch) for ch in word) if s]  # one per character
    if 2 <= len(syllables) <= 4:
        return (syllables[0], "".join(syllables[1:])), tuple(syllables)
    return ("".join(syllables),), tuple(syllables)


@lru_cache(maxsize=65536)
def _analyse(text: str) -> tuple[tuple[str, ...], frozenset[str]]:
    tokens: list[str] = []
    extra: list[str] = []
    for word in _WORD.findall(unicodedata.normalize("NFC", text)):
        main, more = _word_tokens(word)
        tokens.extend(main)
        extra.extend(more)
    return tuple(tokens), frozenset(tokens) | frozenset(extra)


def name_tokens(text: str) -> list[str]:
    """The ASCII tokens of a name, in order (``Joaquín GUZMÁN`` -> joaquin, guzman)."""
    return list(_analyse(text)[0])


def skeleton(token: str) -> str:
    """The spelling-variant outline of one ASCII token (``joaquin`` -> ``hkn``)."""
    out = token
    for pattern, repl in _FOLDS:
        out = pattern.sub(repl, out)
    return out.lower() or token


def skeletons(token: str) -> set[str]:
    """Every outline of a token: ``skeleton`` plus variants for a silent h or a soft g."""
    if token.isdigit():
        return set()
    variants = {token}
    if _SILENT_H.match(token):
        variants.add(token[1:])
    if _SOFT_G.search(token):
        variants |= {_SOFT_G.sub("h", v) for v in variants}
    return {skeleton(v) for v in variants}


def token_keys(token: str) -> set[str]:
    """The keys one token contributes: itself and its ``~``-prefixed skeletons."""
    return set(_token_keys(token))


@lru_cache(maxsize=65536)
def _token_keys(token: str) -> frozenset[str]:
    return frozenset({token} | {SKELETON + s for s in skeletons(token)})


def name_key(text: str) -> str:
    """One comparable string per name: ASCII, casefolded, no punctuation, tokens sorted."""
    return " ".join(sorted(_analyse(text)[0]))


def name_keys(text: str) -> set[str]:
    """Per-token keys: each token's ASCII form and its ``~``-prefixed skeletons.

    A query name matches a candidate when, for every query token, ``token_keys(token)``
    meets the candidate's ``name_keys``.
    """
    keys: set[str] = set()
    for token in _analyse(text)[1]:
        keys |= _token_keys(token)
    return keys
