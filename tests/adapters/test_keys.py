"""Node keys on disk, the published node document, pinning, rotation, revocation,
and agreement signatures made and checked with real keys."""

from __future__ import annotations

import json
import os
import re
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from accord.adapters.agreement_signing import (
    revoke_agreement,
    sign_agreement,
    verify_revocation,
)
from accord.adapters.keys import (
    NodeKeysError,
    fingerprint,
    fingerprints_match,
    generate_node_keys,
    load_node_keys,
    revoke_key,
    rotate_node_keys,
)
from accord.adapters.partner_keys import KeyRefused, PublicKeys
from accord.domain.agreement import Agreement, AgreementStatus, IllegalTransition
from accord.domain.clause import Clause
from accord.domain.errors import Conflict, InvalidValue, NotFound
from accord.domain.markings import TLP

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def keys_dir(tmp_path: Path) -> Path:
    path = tmp_path / "node" / "keys"
    generate_node_keys(path)
    return path


def test_generate_writes_private_files_readable_by_the_owner_only(keys_dir: Path) -> None:
    assert stat.S_IMODE(keys_dir.stat().st_mode) == 0o700
    for name, crv, use in (("signing.jwk", "Ed25519", "sig"), ("encryption.jwk", "X25519", "enc")):
        path = keys_dir / name
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        jwk = json.loads(path.read_text())
        assert (jwk["crv"], jwk["use"]) == (crv, use) and "d" in jwk
    keys = load_node_keys(keys_dir)
    assert keys.signing_kid == keys.signing.thumbprint()  # RFC 7638
    assert keys.encryption_kid == keys.encryption.thumbprint()


def test_generate_refuses_to_overwrite(keys_dir: Path) -> None:
    before = (keys_dir / "signing.jwk").read_bytes()
    with pytest.raises(Conflict, match="refusing to overwrite"):
        generate_node_keys(keys_dir)
    assert (keys_dir / "signing.jwk").read_bytes() == before


def test_load_refuses_missing_loose_or_swapped_files(keys_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(NodeKeysError, match="key file is missing") as err:
        load_node_keys(tmp_path / "nowhere")
    assert str(err.value.where).endswith("signing.jwk")
    os.chmod(keys_dir / "signing.jwk", 0o644)
    with pytest.raises(NodeKeysError, match=r"readable by others \(mode 644\); chmod 600"):
        load_node_keys(keys_dir)
    os.chmod(keys_dir / "signing.jwk", 0o600)
    os.replace(keys_dir / "signing.jwk", keys_dir / "tmp")
    os.replace(keys_dir / "encryption.jwk", keys_dir / "signing.jwk")
    with pytest.raises(NodeKeysError, match="holds a 'enc' key, expected 'sig'"):
        load_node_keys(keys_dir)


def test_published_document_has_no_private_material_and_pins(keys_dir: Path) -> None:
    keys = load_node_keys(keys_dir)
    doc = keys.public_jwks("co-dijin", "co")
    assert doc["node_id"] == "co-dijin" and doc["country"] == "CO"
    assert {(k["use"], k["kid"], k["status"]) for k in doc["keys"]} == {
        ("sig", keys.signing_kid, "active"), ("enc", keys.encryption_kid, "active")}
    assert "\"d\"" not in json.dumps(doc)
    pinned = PublicKeys.from_jwks(json.loads(json.dumps(doc)))
    assert pinned.fingerprint == fingerprint(doc)
    assert re.fullmatch(r"([0-9a-f]{4} ){9}[0-9a-f]{4}", pinned.fingerprint)
    assert fingerprints_match(pinned.fingerprint.upper().replace(" ", ":"), pinned.fingerprint)
    other = keys.public_jwks("co-policia", "co")
    assert not fingerprints_match(fingerprint(other), pinned.fingerprint)


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda d: d["keys"][0].update(d="secret"), "private key material"),
    (lambda d: d["keys"][0].update(kid="not-the-thumbprint"), "RFC 7638 thumbprint"),
    (lambda d: d["keys"].append(dict(d["keys"][0], status="active")), "exactly one active sig"),
    (lambda d: d.update(country="Colombia"), "not an ISO 3166 alpha-2"),
    (lambda d: d.update(extra=1), "unknown field(s) extra"),
    (lambda d: d["keys"][1].update(crv="Ed25519"), "a key with use enc must be OKP X25519"),
])
def test_bad_node_documents_are_refused(keys_dir: Path, mutate, message: str) -> None:  # type: ignore[no-untyped-def]
    doc = load_node_keys(keys_dir).public_jwks("co-dijin", "CO")
    doc["keys"].sort(key=lambda k: k["use"] != "sig")
    mutate(doc)
    with pytest.raises(InvalidValue, match=re.escape(message)):
        PublicKeys.from_jwks(doc)


def test_rotation_keeps_the_old_key_for_a_grace_period(keys_dir: Path) -> None:
    old = load_node_keys(keys_dir)
    pinned = old.public_keys("co-dijin", "CO")
    new = rotate_node_keys(keys_dir, now=NOW, grace=timedelta(days=2))
    assert load_node_keys(keys_dir) == new
    assert new.signing_kid != old.signing_kid and new.encryption_kid != old.encryption_kid
    doc = new.public_jwks("co-dijin", "CO")
    retiring = {k["kid"]: k["not_after"] for k in doc["keys"] if k["status"] == "retiring"}
    assert retiring == {old.signing_kid: "2026-03-03T12:00:00Z",
                        old.encryption_kid: "2026-03-03T12:00:00Z"}
    # a partner who pinned the old document follows the rotation by its proof
    followed = pinned.accept_update(doc, now=NOW + timedelta(hours=1))
    assert followed.signing_key(new.signing_kid, NOW)
    assert followed.signing_key(old.signing_kid, NOW + timedelta(days=2))
    with pytest.raises(KeyRefused) as err:
        followed.signing_key(old.signing_kid, NOW + timedelta(days=2, seconds=1))
    assert err.value.reason == "expired_key"
    # envelopes sealed to the old encryption key still open during the grace period
    assert new.decryption_key(old.encryption_kid, NOW + timedelta(days=1)) is not None
    assert new.decryption_key(old.encryption_kid, NOW + timedelta(days=3)) is None


def test_an_update_without_a_trusted_proof_is_refused(keys_dir: Path, tmp_path: Path) -> None:
    pinned = load_node_keys(keys_dir).public_keys("co-dijin", "CO")
    generate_node_keys(tmp_path / "impostor")
    impostor = load_node_keys(tmp_path / "impostor").public_jwks("co-dijin", "CO")
    with pytest.raises(KeyRefused, match="check the new fingerprint out of band") as err:
        pinned.accept_update(impostor, now=NOW)
    assert err.value.reason == "unproven_update"
    mine = load_node_keys(keys_dir).public_jwks("co-other", "CO")
    with pytest.raises(KeyRefused, match="document is for co-other"):
        pinned.accept_update(mine, now=NOW)


def test_revocation_is_immediate_and_cannot_be_undone(keys_dir: Path) -> None:
    old = load_node_keys(keys_dir)
    pinned = old.public_keys("co-dijin", "CO")
    rotated = rotate_node_keys(keys_dir, now=NOW)
    revoked = revoke_key(keys_dir, old.signing_kid, now=NOW)
    assert old.signing_kid in revoked.revoked
    assert all(r.kid != old.signing_kid for r in revoked.retiring)
    doc = revoked.public_jwks("co-dijin", "CO")
    with pytest.raises(KeyRefused):  # the only key it pinned is the one revoked
        pinned.accept_update(doc, now=NOW)
    followed = pinned.accept_update(rotated.public_jwks("co-dijin", "CO"), now=NOW)
    followed = followed.accept_update(doc, now=NOW)
    with pytest.raises(KeyRefused) as err:
        followed.signing_key(old.signing_kid, NOW - timedelta(days=1))
    assert err.value.reason == "revoked_key"
    # a later document that "forgets" the revocation does not bring the key back
    forgetful = rotated.public_jwks("co-dijin", "CO")
    assert old.signing_kid in followed.accept_update(forgetful, now=NOW).revoked
    with pytest.raises(NotFound):
        revoke_key(keys_dir, "no-such-kid", now=NOW)


def test_revoking_the_active_key_replaces_it(keys_dir: Path) -> None:
    old = load_node_keys(keys_dir)
    new = revoke_key(keys_dir, old.signing_kid, now=NOW)
    assert new.signing_kid != old.signing_kid and old.signing_kid in new.revoked
    assert new.encryption_kid == old.encryption_kid


# -- agreements signed with real keys -------------------------------------------


@pytest.fixture
def two_nodes(tmp_path: Path) -> dict[str, Path]:
    dirs = {name: tmp_path / name / "keys" for name in ("co-dijin", "mx-semar")}
    for path in dirs.values():
        generate_node_keys(path)
    return dirs


def draft() -> Agreement:
    return Agreement(
        id="agr-1", title="CO-MX", parties=("co-dijin", "mx-semar"),
        valid_from=datetime(2026, 1, 1, tzinfo=UTC), valid_until=datetime(2027, 1, 1, tzinfo=UTC),
        clauses=(Clause(id="c", schemas=frozenset({"Vessel"}), purposes=frozenset({"p"}),
                        max_tlp=TLP.AMBER),),
    )


def pins(dirs: dict[str, Path]) -> dict[str, PublicKeys]:
    return {n: load_node_keys(d).public_keys(n, n[:2]) for n, d in dirs.items()}


def test_agreement_signed_by_both_parties_activates(two_nodes: dict[str, Path]) -> None:
    a = draft().propose()
    for name, path in two_nodes.items():
        a = sign_agreement(a, name, load_node_keys(path), now=NOW)
    assert a.status is AgreementStatus.SIGNED
    pinned = pins(two_nodes)
    a = a.activate(NOW, pinned.__getitem__)
    assert a.is_active(NOW, pinned.__getitem__)
    # altering anything signed breaks it
    forged = Agreement(**{**a.__dict__, "title": "CO-MX (everything)"})
    problem = forged.check_active(NOW, pinned.__getitem__)
    assert problem is not None and "signature of co-dijin fails" in problem.text


def test_a_signature_by_a_wrong_or_revoked_key_fails(two_nodes: dict[str, Path]) -> None:
    a = draft().propose()
    mx_keys = load_node_keys(two_nodes["mx-semar"])
    a = sign_agreement(a, "co-dijin", mx_keys, now=NOW)  # mx signs in co's name
    a = sign_agreement(a, "mx-semar", mx_keys, now=NOW)
    with pytest.raises(IllegalTransition, match="is not a pinned signing key of co-dijin"):
        a.activate(NOW, pins(two_nodes).__getitem__)
    good = draft().propose()
    for name, path in two_nodes.items():
        good = sign_agreement(good, name, load_node_keys(path), now=NOW)
    good = good.activate(NOW, pins(two_nodes).__getitem__)
    old_kid = load_node_keys(two_nodes["co-dijin"]).signing_kid
    rotate_node_keys(two_nodes["co-dijin"], now=NOW + timedelta(days=1))
    later = NOW + timedelta(days=30)  # long after the grace period: still valid
    assert good.is_active(later, pins(two_nodes).__getitem__)
    revoke_key(two_nodes["co-dijin"], old_kid, now=later)
    problem = good.check_active(later, pins(two_nodes).__getitem__)
    assert problem is not None and "is revoked" in problem.text


def test_signed_revocation_verifies_and_a_forged_one_does_not(two_nodes: dict[str, Path]) -> None:
    a = draft().propose()
    for name, path in two_nodes.items():
        a = sign_agreement(a, name, load_node_keys(path), now=NOW)
    gone = revoke_agreement(a, "mx-semar", load_node_keys(two_nodes["mx-semar"]), now=NOW,
                            reason="breach")
    pinned = pins(two_nodes)
    assert verify_revocation(gone, pinned.get, at=NOW) is None
    forged = a.revoke("mx-semar", NOW, "breach", signature=gone.revocation.signature + "A")  # type: ignore[union-attr]
    assert verify_revocation(forged, pinned.get, at=NOW) is not None
    other_reason = a.revoke("mx-semar", NOW, "no reason",
                            signature=gone.revocation.signature)  # type: ignore[union-attr]
    assert verify_revocation(other_reason, pinned.get, at=NOW) == "signature does not verify"
