"""RFC 9162 Merkle maths: known vectors, the RFC's own recursive definitions, pymerkle."""

from __future__ import annotations

import hashlib
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pymerkle import InmemoryTree

from accord.domain.merkle import (
    EMPTY_ROOT,
    InvalidProof,
    LeafHashes,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
    verify_consistency,
    verify_inclusion,
)


def sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


# The leaves of the RFC 6962 / certificate-transparency test vectors.
CT_LEAVES = [b"", b"\x00", b"\x10", b"\x20\x21", b"\x30\x31", b"\x40\x41\x42\x43",
             bytes(range(0x50, 0x58)), bytes(range(0x60, 0x70))]
CT_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
L = [leaf_hash(d) for d in CT_LEAVES]


def H(a: bytes, b: bytes) -> bytes:  # noqa: N802 - the RFC's notation
    return sha(b"\x01" + a + b)


# -- the RFC's definitions, transcribed literally (sec. 2.1.1, 2.1.3.1, 2.1.4.1) -------


def mth(d: list[bytes]) -> bytes:
    if not d:
        return sha(b"")
    if len(d) == 1:
        return d[0]
    k = 1 << ((len(d) - 1).bit_length() - 1)
    return H(mth(d[:k]), mth(d[k:]))


def path(m: int, d: list[bytes]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = 1 << ((len(d) - 1).bit_length() - 1)
    if m < k:
        return path(m, d[:k]) + [mth(d[k:])]
    return path(m - k, d[k:]) + [mth(d[:k])]


def subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    if m == len(d):
        return [] if b else [mth(d)]
    k = 1 << ((len(d) - 1).bit_length() - 1)
    if m <= k:
        return subproof(m, d[:k], b) + [mth(d[k:])]
    return subproof(m - k, d[k:], False) + [mth(d[:k])]


# -- hashing ---------------------------------------------------------------------------


def test_hashes_are_rfc9162_prefixed_sha256() -> None:
    assert EMPTY_ROOT == sha(b"")
    assert leaf_hash(b"abc") == sha(b"\x00abc")
    assert node_hash(b"l" * 32, b"r" * 32) == sha(b"\x01" + b"l" * 32 + b"r" * 32)


def test_roots_match_the_ct_vectors_for_sizes_0_to_8() -> None:
    assert [root(L[:n]).hex() for n in range(9)] == CT_ROOTS


def test_roots_match_hand_composed_trees() -> None:
    a, b, c, d, e, f, g, h = L
    assert root([]) == sha(b"")
    assert root([a]) == a
    assert root([a, b]) == H(a, b)
    assert root([a, b, c]) == H(H(a, b), c)
    assert root([a, b, c, d]) == H(H(a, b), H(c, d))
    assert root([a, b, c, d, e]) == H(H(H(a, b), H(c, d)), e)
    assert root([a, b, c, d, e, f]) == H(H(H(a, b), H(c, d)), H(e, f))
    assert root([a, b, c, d, e, f, g]) == H(H(H(a, b), H(c, d)), H(H(e, f), g))
    assert root(L) == H(H(H(a, b), H(c, d)), H(H(e, f), H(g, h)))


def test_proofs_match_hand_composed_paths() -> None:
    a, b, c, d, e, f, g, h = L
    assert inclusion_proof(0, 1, L) == []
    assert inclusion_proof(0, 8, L) == [b, H(c, d), H(H(e, f), H(g, h))]
    assert inclusion_proof(5, 8, L) == [e, H(g, h), H(H(a, b), H(c, d))]
    assert inclusion_proof(2, 3, L) == [H(a, b)]
    assert inclusion_proof(4, 5, L) == [H(H(a, b), H(c, d))]
    assert inclusion_proof(6, 7, L) == [H(e, f), H(H(a, b), H(c, d))]
    assert consistency_proof(1, 8, L) == [b, H(c, d), H(H(e, f), H(g, h))]
    assert consistency_proof(6, 8, L) == [H(e, f), H(g, h), H(H(a, b), H(c, d))]
    assert consistency_proof(2, 5, L) == [H(c, d), e]
    assert consistency_proof(3, 7, L) == [c, d, H(a, b), H(H(e, f), g)]
    assert consistency_proof(4, 8, L) == [H(H(e, f), H(g, h))]
    assert consistency_proof(0, 8, L) == consistency_proof(8, 8, L) == []


def test_matches_the_rfc_definitions_for_every_index_and_size_pair_up_to_40() -> None:
    leaves = [leaf_hash(i.to_bytes(2, "big")) for i in range(40)]
    source = LeafHashes(leaves)
    for n in range(1, 41):
        d = leaves[:n]
        assert root(source, n) == mth(d)
        for m in range(n):
            assert inclusion_proof(m, n, source) == path(m, d)
        for m in range(1, n + 1):
            assert consistency_proof(m, n, source) == subproof(m, d, True)


# -- pymerkle as an oracle --------------------------------------------------------------


def test_pymerkle_hashes_like_rfc9162() -> None:
    tree = InmemoryTree()  # disable_security=False: 0x00 / 0x01 prefixes
    for data in CT_LEAVES:
        tree.append_entry(data)
    assert tree.get_leaf(1) == sha(b"\x00" + CT_LEAVES[0])
    assert tree.get_root() == bytes.fromhex(CT_ROOTS[8])


def test_roots_and_inclusion_paths_match_pymerkle() -> None:
    rng = random.Random(7)
    tree = InmemoryTree()
    source = LeafHashes()
    for n in range(1, 300):
        data = rng.randbytes(rng.randrange(0, 40))
        tree.append_entry(data)
        source.append(leaf_hash(data))
        assert root(source, n) == tree.get_root()
        for index in {0, n - 1, n // 2, rng.randrange(n)}:
            # pymerkle counts leaves from 1 and puts the leaf itself first in its path
            theirs = tree.prove_inclusion(index + 1).path
            assert [bytes.fromhex(x) if isinstance(x, str) else x for x in theirs[1:]] \
                == inclusion_proof(index, n, source)


# -- verification -----------------------------------------------------------------------


def test_every_size_up_to_2000_proves_and_verifies() -> None:
    rng = random.Random(11)
    source = LeafHashes()
    roots = [EMPTY_ROOT]
    verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, consistency_proof(0, 0, source))
    for n in range(1, 2001):
        source.append(leaf_hash(n.to_bytes(4, "big")))
        roots.append(root(source, n))
        for index in {0, n - 1, n // 2, rng.randrange(n)}:
            verify_inclusion(source.leaves[index], index, n, inclusion_proof(index, n, source),
                             roots[n])
        for m in {0, 1, n - 1, n, rng.randrange(n + 1), 1 << (n.bit_length() - 1)}:
            verify_consistency(m, n, roots[m], roots[n], consistency_proof(m, n, source))


def test_every_consistency_pair_up_to_64_verifies() -> None:
    source = LeafHashes(leaf_hash(bytes([i])) for i in range(64))
    roots = [root(source, n) for n in range(65)]
    for n in range(65):
        for m in range(n + 1):
            verify_consistency(m, n, roots[m], roots[n], consistency_proof(m, n, source))


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 5000), st.data())
def test_any_tampering_with_an_inclusion_proof_fails(size: int, data: st.DataObject) -> None:
    source = LeafHashes(leaf_hash(i.to_bytes(2, "big")) for i in range(size))
    index = data.draw(st.integers(0, size - 1))
    proof = inclusion_proof(index, size, source)
    top = root(source, size)
    leaf = source.leaves[index]
    verify_inclusion(leaf, index, size, proof, top)
    with pytest.raises(InvalidProof):
        verify_inclusion(leaf_hash(b"other"), index, size, proof, top)
    if proof:
        k = data.draw(st.integers(0, len(proof) - 1))
        bad = list(proof)
        bad[k] = bytes([bad[k][0] ^ 1]) + bad[k][1:]
        with pytest.raises(InvalidProof):
            verify_inclusion(leaf, index, size, bad, top)
        with pytest.raises(InvalidProof):
            verify_inclusion(leaf, index, size, proof[:-1], top)
        other = data.draw(st.integers(0, size - 1))
        if source.leaves[other] != leaf:
            with pytest.raises(InvalidProof):
                verify_inclusion(leaf, other, size, proof, top)
    with pytest.raises(InvalidProof):
        verify_inclusion(leaf, index, size, [*proof, top], top)


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 3000), st.data())
def test_any_tampering_with_a_consistency_proof_fails(n: int, data: st.DataObject) -> None:
    m = data.draw(st.integers(1, n - 1))
    source = LeafHashes(leaf_hash(i.to_bytes(2, "big")) for i in range(n))
    old, new = root(source, m), root(source, n)
    proof = consistency_proof(m, n, source)
    verify_consistency(m, n, old, new, proof)
    k = data.draw(st.integers(0, len(proof) - 1))
    bad = list(proof)
    bad[k] = bytes(32)
    with pytest.raises(InvalidProof):
        verify_consistency(m, n, old, new, bad)
    with pytest.raises(InvalidProof):
        verify_consistency(m, n, leaf_hash(b"forged"), new, proof)
    with pytest.raises(InvalidProof):
        verify_consistency(m, n, old, leaf_hash(b"forged"), proof)
    # a history where one old leaf changed is not an extension
    forged = LeafHashes(source.leaves)
    forged.leaves[data.draw(st.integers(0, m - 1))] = leaf_hash(b"rewritten")
    with pytest.raises(InvalidProof):
        verify_consistency(m, n, old, root(forged, n), consistency_proof(m, n, forged))


def test_bad_arguments_say_what_is_wrong() -> None:
    with pytest.raises(InvalidProof, match="leaf index 5 is not below tree size 5"):
        inclusion_proof(5, 5, L)
    with pytest.raises(InvalidProof, match="leaf index 0 is not below tree size 0"):
        verify_inclusion(L[0], 0, 0, [], EMPTY_ROOT)
    with pytest.raises(InvalidProof, match=r"tree sizes 5 -> 3: need 0 <= old size <= new size"):
        consistency_proof(5, 3, L)
    with pytest.raises(InvalidProof, match="a hash is 3 bytes long, not 32"):
        verify_inclusion(b"abc", 0, 1, [], L[0])
    with pytest.raises(InvalidProof, match="from 4 to 4 must be empty"):
        verify_consistency(4, 4, root(L[:4]), root(L[:4]), [L[0]])
    with pytest.raises(InvalidProof, match="the tree of size 4 is not the same"):
        verify_consistency(4, 4, root(L[:4]), root(L[:5]), [])
    with pytest.raises(InvalidProof, match="the old root is not the empty tree's root"):
        verify_consistency(0, 4, L[0], root(L[:4]), [])
    with pytest.raises(InvalidProof, match="consistency proof from 3 to 8 is empty"):
        verify_consistency(3, 8, root(L[:3]), root(L), [])
    with pytest.raises(InvalidProof, match="fewer than a tree of 8 needs"):
        verify_inclusion(L[0], 0, 8, inclusion_proof(0, 8, L)[:2], root(L))
    with pytest.raises(TypeError, match="needs the tree size"):
        root(LeafHashes(L))
