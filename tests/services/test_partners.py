"""Pinning partners: fingerprints, rotations proven by a pinned key, revocations that stick."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from accord.adapters.keys import generate_node_keys, load_node_keys, rotate_node_keys
from accord.adapters.partner_keys import KeyRefused
from accord.bootstrap import Node
from accord.domain.errors import Conflict, InvalidValue
from accord.services.partners import (
    FingerprintMismatch,
    get_partner,
    pin_partner,
    revoke_partner_key,
)


def document(node: Node) -> dict[str, object]:
    return node.keys.public_jwks(node.node_id, node.config.country)


def test_a_rotation_signed_by_the_pinned_key_is_followed(nodes: dict[str, Node]) -> None:
    co, mx = nodes["co"], nodes["mx"]
    old = get_partner(co.store, mx.node_id).keys.signing_key(mx.keys.signing_kid,
                                                              datetime.now(UTC))
    rotated = rotate_node_keys(mx.dir.keys_dir, now=datetime.now(UTC))
    pinned = pin_partner(co.store, rotated.public_jwks(mx.node_id, "MX"), url="http://mx",
                         me=co.node_id)
    assert pinned.keys_changed and not pinned.created
    keys = get_partner(co.store, mx.node_id).keys
    assert keys.encryption_key().kid == rotated.encryption_kid
    # the old signing key still verifies during its grace period
    assert keys.signing_key(mx.keys.signing_kid, datetime.now(UTC)).thumbprint() == (
        old.thumbprint())


def test_new_keys_without_a_proof_need_the_fingerprint(nodes: dict[str, Node],
                                                       tmp_path: Path) -> None:
    co, mx = nodes["co"], nodes["mx"]
    generate_node_keys(tmp_path / "k")
    replaced = load_node_keys(tmp_path / "k").public_jwks(mx.node_id, "MX")
    with pytest.raises(KeyRefused, match="no proof by a key pinned for mx-fgr"):
        pin_partner(co.store, replaced, url="http://mx", me=co.node_id)
    with pytest.raises(FingerprintMismatch):
        pin_partner(co.store, replaced, url="http://mx", me=co.node_id,
                    fingerprint=get_partner(co.store, mx.node_id).fingerprint)
    assert get_partner(co.store, mx.node_id).keys.signing_key(
        mx.keys.signing_kid, datetime.now(UTC)) is not None  # unchanged


def test_revocations_survive_a_re_pin(nodes: dict[str, Node]) -> None:
    co, mx = nodes["co"], nodes["mx"]
    revoke_partner_key(co.store, mx.node_id, mx.keys.signing_kid)
    pin_partner(co.store, document(mx), url="http://mx", me=co.node_id)
    with pytest.raises(KeyRefused, match="is revoked"):
        get_partner(co.store, mx.node_id).keys.signing_key(
            mx.keys.signing_kid, datetime.now(UTC) + timedelta(seconds=1))


def test_bad_documents_and_ourselves_are_refused(nodes: dict[str, Node]) -> None:
    co = nodes["co"]
    with pytest.raises(Conflict, match="a node is not its own partner"):
        pin_partner(co.store, document(co), url="http://co", me=co.node_id)
    forged = {**document(nodes["mx"]), "country": "US"}  # proofs no longer match
    with pytest.raises(InvalidValue, match="not signed by its own signing key"):
        pin_partner(co.store, forged, url="http://mx", me=co.node_id)
