"""Cryptographic long-term keys (CLKs): keyed Bloom-filter encodings of a person.

A CLK lets two nodes compare a name and date of birth by Dice similarity without
sending either. Written here rather than taken from clkhash (unmaintained); the
choices follow the clkhash schema (v3) and the PPRL literature (Schnell et al.):

* **Features.** Names go through the foundation's ``name_tokens`` (anyascii
  transliteration, casefold, no punctuation). Particles (``de``, ``la``, ``van``,
  ``al`` ...) are dropped, because one record keeps them and another does not.
  Each token gives its padded bigrams (``_j ju ua an n_``) separately, so word
  order does not matter and a missing second surname costs only its bigrams.
  A date of birth gives a year token and, in a segment of its own, month and
  day tokens plus an unordered month/day token (a day-month swap still shares
  one of three). A nationality is one exact token.
* **Keys.** Every field has its own key, HKDF-SHA256 from the agreement's
  linkage secret (salt: the agreement id; info: schema and field), so the same
  bigram in two fields, two schemas or two agreements sets unrelated bits.
* **Hashing.** ``RANDOM`` (default): the ``k`` positions of a token are read from
  keyed BLAKE2b output, independent and uniform. ``DOUBLE``: HMAC-SHA256 double
  hashing ``h1 + i*h2 mod l`` with an odd ``h2`` (so the ``k`` positions are
  distinct, clkhash's "prevent singularity"); kept for comparison, as double
  hashing has a known pattern-mining attack that random hashing does not.
* **Segments.** Each field has its own segment of the CLK (field-level Bloom
  filters, concatenated), so the owner can compare field by field and score
  only the fields *both* records have: a query without a date of birth is
  judged on the name alone instead of being penalised for the missing date
  (a third of person mentions in the synthetic world lack one). The score is
  the weighted mean of the per-field Dice over the fields present on both
  sides; a ``required`` field (the name) missing on either side scores 0.
* **Weights.** ``k`` (bits per token) per field sets how full each segment is
  (about a third to a half before folding); ``weight`` sets its say in the score.
* **Hardening.** ``XOR_FOLD`` (default) folds each segment in half, ``a[:l/2] ^
  a[l/2:]``, which breaks the one-bit-one-bigram link pattern mining relies on and
  halves the size and comparison cost. ``BALANCE`` appends the complement and
  applies a keyed permutation: every segment then has the same Hamming weight
  (which otherwise betrays name length), at twice the size. ``NONE`` for
  reference. See docs/queries.md for the measured effect on accuracy.

What this does not protect against: a party who holds the agreement's secret can
encode candidate names and dates and test them against a CLK (a dictionary
attack). CLKs keep names from eavesdroppers and from anyone without the secret;
the partner is bounded by rate limits and the ledger, not by cryptography.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum

import numpy as np
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from accord.domain.dice import Segments
from accord.domain.errors import InvalidValue
from accord.domain.values import get_type, name_tokens

# Words that some records of a name carry and others drop.
PARTICLES = frozenset(
    "de del della der di da das do dos du la las le les los van von y e al el bin ibn bint"
    .split())


class FieldKind(Enum):
    NAME = "name"  # bigrams of each name token, particles dropped
    TEXT = "text"  # bigrams of each token (addresses, places)
    DATE = "date"  # year, month, day, unordered month/day
    YEAR = "year"  # the year of a date
    MONTH_DAY = "month-day"  # month, day, unordered month/day of a date (absent if partial)
    CODE = "code"  # one exact token (country codes, postcodes)


class Hashing(Enum):
    RANDOM = "blake2"
    DOUBLE = "hmac-double"


class Hardening(Enum):
    NONE = "none"
    XOR_FOLD = "xor-fold"
    BALANCE = "balance"


@dataclass(frozen=True)
class FieldSpec:
    """One field of a record: its segment length, bits per token and weight in the score."""

    name: str
    kind: FieldKind
    k: int
    bits: int = 512  # segment length before hardening
    weight: float = 1.0
    required: bool = False  # missing on either side: the pair scores 0
    source: str | None = None  # the record field read (default: ``name``)
    floor: float = 0.0  # this field's Dice below the floor: the pair scores 0

    @property
    def reads(self) -> str:
        return self.source or self.name

    def __post_init__(self) -> None:
        where = f"clk field {self.name}"
        if not 1 <= self.k <= 64:
            raise InvalidValue(f"k must be 1..64, not {self.k}", where=where)
        if self.bits not in (128, 256, 512, 1024, 2048):
            raise InvalidValue(f"bits must be a power of two in 128..2048, not {self.bits}",
                               where=where)
        if not self.weight > 0:
            raise InvalidValue(f"weight must be positive, not {self.weight}", where=where)


@dataclass(frozen=True)
class ClkSchema:
    """How records are encoded. Both sides of an agreement must use the same schema."""

    id: str
    fields: tuple[FieldSpec, ...]
    hashing: Hashing = Hashing.RANDOM
    hardening: Hardening = Hardening.XOR_FOLD

    def __post_init__(self) -> None:
        names = [f.name for f in self.fields]
        if not names or len(set(names)) != len(names):
            raise InvalidValue("a schema needs fields with distinct names",
                               where=f"clk schema {self.id}")

    def segment_bits(self, spec: FieldSpec) -> int:
        """Bits of ``spec``'s segment after hardening."""
        if self.hardening is Hardening.XOR_FOLD:
            return spec.bits // 2
        if self.hardening is Hardening.BALANCE:
            return spec.bits * 2
        return spec.bits

    @property
    def bits(self) -> int:
        """Bits in an encoded CLK after hardening."""
        return sum(self.segment_bits(f) for f in self.fields)

    @property
    def words(self) -> int:
        """64-bit words per CLK."""
        return self.bits // 64

    @property
    def segments(self) -> Segments:
        """Where each field lies in the packed CLK, for field-aware scoring."""
        bounds, start = [], 0
        for spec in self.fields:
            words = self.segment_bits(spec) // 64
            bounds.append((start, start + words))
            start += words
        return Segments(tuple(bounds), tuple(f.weight for f in self.fields),
                        tuple(f.required for f in self.fields),
                        tuple(f.floor for f in self.fields))


# Name + date of birth (+ nationality); k, bits and weights chosen from the measurements
# in docs/benchmarks/clk.md.
# A date of birth is two segments, so that a year-only date is compared on its year
# alone instead of being penalised for the month and day it lacks.
# Few-token fields get few bits per token, so two different dates share few bits
# (unrelated values score near 0, not near the fill ratio). The floors veto a pair
# whose names are not close, or whose full dates disagree on both month and day.
PERSON = ClkSchema("person-v2", (
    FieldSpec("name", FieldKind.NAME, 10, bits=512, weight=3.0, required=True, floor=0.6),
    FieldSpec("dob_year", FieldKind.YEAR, 5, bits=128, weight=1.5, source="dob"),
    FieldSpec("dob_month_day", FieldKind.MONTH_DAY, 6, bits=256, weight=1.5, source="dob",
              floor=0.3),
    FieldSpec("nationality", FieldKind.CODE, 5, bits=128, weight=0.5),
))


# Score threshold for PERSON: best F1 on the synthetic world's name variants
# (benchmarks/bench_clk.py; docs/benchmarks/clk.md has precision/recall, FEBRL4 too).
PERSON_THRESHOLD = 0.80


@dataclass(frozen=True)
class ClkKeys:
    """Per-field keys for one schema under one agreement (secret: never sent)."""

    schema_id: str
    fields: Mapping[str, bytes]
    permutation: bytes


def derive_keys(secret: bytes, agreement_id: str, schema: ClkSchema) -> ClkKeys:
    """Keys for ``schema`` under agreement ``agreement_id`` from its linkage ``secret``."""
    if len(secret) < 32:
        raise InvalidValue(f"the linkage secret needs at least 32 bytes, not {len(secret)}",
                           where=f"agreement {agreement_id}")

    def hkdf(label: str) -> bytes:
        return HKDF(hashes.SHA256(), 32, salt=agreement_id.encode(),
                    info=f"accord/clk/{schema.id}/{label}".encode()).derive(secret)

    return ClkKeys(schema.id, {f.name: hkdf(f"field/{f.name}") for f in schema.fields},
                   hkdf("permutation"))


def features(spec: FieldSpec, raw: str | None) -> set[str]:
    """The tokens ``raw`` contributes to ``spec``'s field (empty when missing)."""
    if raw is None or not raw.strip():
        return set()
    if spec.kind is FieldKind.NAME or spec.kind is FieldKind.TEXT:
        drop = PARTICLES if spec.kind is FieldKind.NAME else frozenset()
        out: set[str] = set()
        for token in name_tokens(raw):
            if token not in drop:
                padded = f"_{token}_"
                out.update(padded[i:i + 2] for i in range(len(padded) - 1))
        return out
    if spec.kind in (FieldKind.DATE, FieldKind.YEAR, FieldKind.MONTH_DAY):
        parts = get_type("date").normalize(raw)[:10].split("-")
        tokens = {"y" + parts[0]}
        if len(parts) >= 2:
            tokens.add("m" + parts[1])
        if len(parts) == 3:
            tokens.add("d" + parts[2])
            tokens.add("md" + "".join(sorted(parts[1:])))
        if spec.kind is FieldKind.YEAR:
            return {"y" + parts[0]}
        if spec.kind is FieldKind.MONTH_DAY:
            return tokens - {"y" + parts[0]}
        return tokens
    return {"".join(raw.split()).casefold()}


class Encoder:
    """Encodes records under one schema and key set; caches token positions."""

    def __init__(self, schema: ClkSchema, keys: ClkKeys) -> None:
        if keys.schema_id != schema.id or set(keys.fields) != {f.name for f in schema.fields}:
            raise InvalidValue(f"keys are for schema {keys.schema_id!r}, not {schema.id!r}",
                               where="clk encoder")
        self.schema = schema
        self.keys = keys
        self._cache: dict[tuple[str, str], tuple[int, ...]] = {}
        self._permutations: dict[str, np.ndarray] = {}

    def encode(self, record: Mapping[str, str | None], *, where: str = "record") -> np.ndarray:
        """One CLK as a ``(words,)`` uint64 array. Unknown fields are refused."""
        unknown = set(record) - {f.reads for f in self.schema.fields}
        if unknown:
            raise InvalidValue(f"unknown field(s) {sorted(unknown)} for schema {self.schema.id}",
                               where=where)
        segments = []
        for spec in self.schema.fields:
            try:
                tokens = features(spec, record.get(spec.reads))
            except InvalidValue as exc:
                raise InvalidValue(exc.message, where=f"{where}: {spec.reads}") from None
            bits = np.zeros(spec.bits, dtype=np.uint8)
            if tokens:
                positions: list[int] = []
                for token in tokens:
                    positions.extend(self._positions(spec, token))
                bits[positions] = 1
                segments.append(self._harden(spec, bits))
            else:
                # A missing field stays all zeros in every mode: scoring needs to see it.
                segments.append(np.zeros(self.schema.segment_bits(spec), dtype=np.uint8))
        return self._pack(np.concatenate(segments))

    def encode_many(self, records: Iterable[Mapping[str, str | None]]) -> np.ndarray:
        """CLKs of ``records`` as an ``(n, words)`` uint64 array (row i: record i)."""
        rows = [self.encode(r, where=f"record {i}") for i, r in enumerate(records)]
        if not rows:
            return np.zeros((0, self.schema.words), dtype=np.uint64)
        return np.stack(rows)

    def _positions(self, spec: FieldSpec, token: str) -> tuple[int, ...]:
        cached = self._cache.get((spec.name, token))
        if cached is not None:
            return cached
        key, length, data = self.keys.fields[spec.name], spec.bits, token.encode()
        if self.schema.hashing is Hashing.RANDOM:
            digest = b"".join(
                hashlib.blake2b(data, key=key, salt=block.to_bytes(16, "big")).digest()
                for block in range((2 * spec.k + 63) // 64))
            # 16-bit draws modulo a power of two <= 2^16: unbiased.
            positions = tuple(int.from_bytes(digest[2 * i:2 * i + 2], "big") % length
                              for i in range(spec.k))
        else:
            digest = hmac.new(key, data, hashlib.sha256).digest()
            h1 = int.from_bytes(digest[:16], "big")
            h2 = int.from_bytes(digest[16:], "big") | 1  # odd: coprime with 2^n, k distinct
            positions = tuple((h1 + i * h2) % length for i in range(spec.k))
        self._cache[(spec.name, token)] = positions
        return positions

    def _harden(self, spec: FieldSpec, bits: np.ndarray) -> np.ndarray:
        if self.schema.hardening is Hardening.XOR_FOLD:
            half = spec.bits // 2
            folded: np.ndarray = np.bitwise_xor(bits[:half], bits[half:])
            return folded
        if self.schema.hardening is Hardening.BALANCE:
            balanced: np.ndarray = np.concatenate([bits, 1 - bits])[self._balance(spec)]
            return balanced
        return bits

    def _balance(self, spec: FieldSpec) -> np.ndarray:
        found = self._permutations.get(spec.name)
        if found is None:
            # A keyed permutation: positions sorted by their HMAC under the key.
            n = spec.bits * 2
            tags = [hmac.new(self.keys.permutation, f"{spec.name}:{i}".encode(),
                             hashlib.sha256).digest() for i in range(n)]
            found = np.array(sorted(range(n), key=tags.__getitem__), dtype=np.intp)
            self._permutations[spec.name] = found
        return found

    @staticmethod
    def _pack(bits: np.ndarray) -> np.ndarray:
        return np.packbits(bits).view(">u8").astype(np.uint64)


def to_bytes(clk: np.ndarray) -> bytes:
    """The wire form of one CLK (big-endian words: the bit string as encoded)."""
    return clk.astype(">u8").tobytes()


def from_bytes(data: bytes, schema: ClkSchema, *, where: str = "clk") -> np.ndarray:
    """One CLK from its wire form; ``InvalidValue`` if the length does not fit ``schema``."""
    if len(data) != schema.bits // 8:
        raise InvalidValue(f"a {schema.id} CLK has {schema.bits // 8} bytes, not {len(data)}",
                           where=where)
    return np.frombuffer(data, dtype=">u8").astype(np.uint64)


def stack(clks: Sequence[bytes], schema: ClkSchema, *, where: str = "clks") -> np.ndarray:
    """Wire-form CLKs as an ``(n, words)`` array."""
    rows = [from_bytes(c, schema, where=f"{where}[{i}]") for i, c in enumerate(clks)]
    return np.stack(rows) if rows else np.zeros((0, schema.words), dtype=np.uint64)
