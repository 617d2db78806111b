"""``accord key show|rotate|revoke``: rotation keeps old keys verifying; revocation is final."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from accord.adapters.keys import load_node_keys
from accord.adapters.ledger import LeafFilter
from accord.adapters.partner_keys import KeyRefused
from accord.bootstrap import open_node
from accord.domain.ledger_entry import Action
from accord.services.ledger import audit_log

from .conftest import NodeFixture, run_cli


def _actions(path: str) -> list[str]:
    with open_node(Path(path)) as node, node.store.unit_of_work(write=False) as uow:
        return [e.entry.action.value for e in audit_log(uow, LeafFilter())]


def test_rotate_keeps_the_old_signing_key_verifying_and_is_ledgered(
        node_dir: NodeFixture) -> None:
    path = str(node_dir.path)
    before = run_cli("key", "show", "--node", path, "--json").json()
    after = run_cli("key", "rotate", "--node", path, "--grace-days", "2", "--json").json()
    assert after["signing_kid"] != before["signing_kid"]
    assert after["encryption_kid"] != before["encryption_kid"]
    assert after["fingerprint"] != before["fingerprint"]
    retiring = {r["kid"] for r in after["retiring"]}
    assert {before["signing_kid"], before["encryption_kid"]} <= retiring
    keys = load_node_keys(node_dir.path / "keys")
    public = keys.public_keys("test-node", "CO")
    now = datetime.now(UTC)
    assert public.signing_key(before["signing_kid"], now) is not None  # still verifies
    with pytest.raises(KeyRefused, match="retired at"):
        public.signing_key(before["signing_kid"], now + timedelta(days=3))
    assert Action.KEY_ROTATED.value in _actions(path)


def test_revoke_replaces_an_active_key_and_unknown_keys_are_refused(
        node_dir: NodeFixture) -> None:
    path = str(node_dir.path)
    before = run_cli("key", "show", "--node", path, "--json").json()
    after = run_cli("key", "revoke", before["signing_kid"], "--node", path, "--json").json()
    assert after["revoked"] == [before["signing_kid"]]
    assert after["signing_kid"] != before["signing_kid"]
    assert Action.KEY_REVOKED.value in _actions(path)
    missing = run_cli("key", "revoke", "nosuchkid", "--node", path, "--json")
    assert missing.exit_code == 1
    assert "no key nosuchkid" in missing.json()["error"]["message"]
