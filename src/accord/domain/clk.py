"""Cryptographic long-term keys (CLKs): keyed Bloom-filter encodings of a person.

A CLK lets two nodes compare a name and date of birth by Dice similarity without
sending either. Written here rather than taken from clkhash (unmaintained); the
choices follow the clkhash schema (v3) and the PPRL literature (Schnell et al.):

* **Features.** Names go through the foundation's ``name_tokens`` (anyascii
  transliteration, casefold, no punctuation). Particles (``de``, ``la``, ``van``,
  ``al`` ...) are dropped, because one record keeps them and another does not.
  Each token gives its padded bigrams (``_j ju ua an n_``) separately, so word
  order does not matter and a missing second surname costs only its bigrams.
  A date of birth gives year, month and day tokens plus an unordered month/day
  token, so a day-month swap still shares two of four features. A nationality is
  one exact token.
* **Keys.** Every field has its own key, HKDF-SHA256 from the agreement's
  linkage secret (salt: the agreement id; info: schema and field), so the same
  bigram in two fields, two schemas or two agreements sets unrelated bits.
* **Hashing.** ``RANDOM`` (default): the ``k`` positions of a token are read from
  keyed BLAKE2b output, independent and uniform. ``DOUBLE``: HMAC-SHA256 double
  hashing ``h1 + i*h2 mod l`` with an odd ``h2`` (so the ``k`` positions are
  distinct, clkhash's "prevent singularity"); kept for comparison, as double
  hashing has a known pattern-mining attack that random hashing does not.
* **Weights.** ``k`` (bits per token) per field: names carry most of the
  identity; a date's tokens are few, so each gets more bits.
* **Hardening.** ``XOR_FOLD`` (default) folds the filter in half, ``a[:l/2] ^
  a[l/2:]``, which breaks the one-bit-one-bigram link pattern mining relies on and
  halves the size and comparison cost. ``BALANCE`` appends the complement and
  applies a keyed permutation: every CLK then has the same Hamming weight (which
  otherwise betrays name length), at twice the size. ``NONE`` for reference.
  See docs/queries.md for the measured effect of each on accuracy.

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
    """One field of a record and the bits each of its tokens sets."""

    name: str
    kind: FieldKind
    k: int

    def __post_init__(self) -> None:
        if not 1 <= self.k <= 64:
            raise InvalidValue(f"k must be 1..64, not {self.k}", where=f"clk field {self.name}")


@dataclass(frozen=True)
class ClkSchema:
    """How records are encoded. Both sides of an agreement must use the same schema."""

    id: str
    fields: tuple[FieldSpec, ...]
    length: int = 1024
    hashing: Hashing = Hashing.RANDOM
    hardening: Hardening = Hardening.XOR_FOLD

    def __post_init__(self) -> None:
        if self.length not in (256, 512, 1024, 2048, 4096):
            raise InvalidValue(f"length must be a power of two in 256..4096, not {self.length}",
                               where=f"clk schema {self.id}")

    @property
    def bits(self) -> int:
        """Bits in an encoded CLK after hardening."""
        if self.hardening is Hardening.XOR_FOLD:
            return self.length // 2
        if self.hardening is Hardening.BALANCE:
            return self.length * 2
        return self.length

    @property
    def words(self) -> int:
        """64-bit words per CLK."""
        return self.bits // 64


# Name + date of birth (+ nationality); k chosen from the measurements in docs/queries.md.
PERSON = ClkSchema("person-v1", (
    FieldSpec("name", FieldKind.NAME, 10),
    FieldSpec("dob", FieldKind.DATE, 30),
    FieldSpec("nationality", FieldKind.CODE, 15),
))


# Dice threshold for PERSON: best F1 on the synthetic name variants (benchmarks/bench_clk.py;
# docs/benchmarks/clk.md gives precision/recall there and on FEBRL4).
PERSON_THRESHOLD = 0.75


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
    if spec.kind is FieldKind.DATE:
        value = get_type("date").normalize(raw)[:10]
        parts = value.split("-")
        tokens = {"y" + parts[0]}
        if len(parts) >= 2:
            tokens.add("m" + parts[1])
        if len(parts) == 3:
            tokens.add("d" + parts[2])
            tokens.add("md" + "".join(sorted(parts[1:])))
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
        self._permutation: np.ndarray | None = None

    def encode(self, record: Mapping[str, str | None], *, where: str = "record") -> np.ndarray:
        """One CLK as a ``(words,)`` uint64 array. Unknown fields are refused."""
        unknown = set(record) - {f.name for f in self.schema.fields}
        if unknown:
            raise InvalidValue(f"unknown field(s) {sorted(unknown)} for schema {self.schema.id}",
                               where=where)
        positions: list[int] = []
        for spec in self.schema.fields:
            try:
                tokens = features(spec, record.get(spec.name))
            except InvalidValue as exc:
                raise InvalidValue(exc.message, where=f"{where}: {spec.name}") from None
            for token in tokens:
                positions.extend(self._positions(spec, token))
        bits = np.zeros(self.schema.length, dtype=np.uint8)
        bits[positions] = 1
        return self._pack(self._harden(bits))

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
        key, length, data = self.keys.fields[spec.name], self.schema.length, token.encode()
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

    def _harden(self, bits: np.ndarray) -> np.ndarray:
        if self.schema.hardening is Hardening.XOR_FOLD:
            half = self.schema.length // 2
            folded: np.ndarray = np.bitwise_xor(bits[:half], bits[half:])
            return folded
        if self.schema.hardening is Hardening.BALANCE:
            balanced: np.ndarray = np.concatenate([bits, 1 - bits])[self._balance_permutation()]
            return balanced
        return bits

    def _balance_permutation(self) -> np.ndarray:
        if self._permutation is None:
            # A keyed permutation: positions sorted by their HMAC under the key.
            n = self.schema.length * 2
            tags = [hmac.new(self.keys.permutation, i.to_bytes(4, "big"), hashlib.sha256).digest()
                    for i in range(n)]
            self._permutation = np.array(sorted(range(n), key=tags.__getitem__), dtype=np.intp)
        return self._permutation

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
