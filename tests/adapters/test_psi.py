"""ECDH PSI: correct against a plaintext join, and nothing readable on the wire."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.adapters.psi import OpenMinedPsi, derive_key, new_key, padded_size
from accord.domain.errors import InvalidValue

PHONES = [f"phone:+5730012{i:05d}" for i in range(200)]


def run(client: list[str], server: list[str], *, reveal: bool = True) -> tuple[
        list[int] | int, bytes, bytes, bytes]:
    engine = OpenMinedPsi()
    key = new_key()
    client_key, request = engine.request(client, reveal=reveal)
    setup = engine.setup(server, key=key, max_client_items=len(client))
    response = engine.respond(request, key=key, reveal=reveal)
    if reveal:
        return engine.intersection(client_key, setup, response), request, setup, response
    return engine.intersection_size(client_key, setup, response), request, setup, response


def test_the_asker_learns_exactly_the_items_the_owner_holds() -> None:
    client = PHONES[:50] + ["imo:9074729"]
    server = PHONES[30:200]
    found, *_ = run(client, server)
    assert [client[i] for i in found] == sorted(set(client) & set(server), key=client.index)


@settings(max_examples=15, deadline=None)
@given(st.sets(st.integers(0, 60), min_size=1, max_size=25),
       st.sets(st.integers(0, 60), max_size=25))
def test_matches_a_plaintext_join(client_ids: set[int], server_ids: set[int]) -> None:
    client = [f"email:u{i}@example.org" for i in sorted(client_ids)]
    server = [f"email:u{i}@example.org" for i in sorted(server_ids)]
    found, *_ = run(client, server)
    assert {client[i] for i in found} == set(client) & set(server)


def test_size_only_mode_gives_the_count() -> None:
    count, *_ = run(PHONES[:40], PHONES[20:80], reveal=False)
    assert count == 20


def _leaks(blob: bytes, item: str) -> bool:
    raw = item.encode()
    digest = hashlib.sha256(raw).digest()
    return raw in blob or digest in blob or digest.hex().encode() in blob


def test_no_message_carries_an_item_or_its_unsalted_hash() -> None:
    client = PHONES[:40]
    server = PHONES[20:120]
    _, request, setup, response = run(client, server)
    for item in set(client) | set(server):
        for blob in (request, setup, response):
            assert not _leaks(blob, item), item
    # the bare values too, without the kind prefix
    for item in server:
        bare = item.split(":", 1)[1].encode()
        assert bare not in setup and bare not in response


def test_large_setups_are_compressed_and_carry_no_item_either() -> None:
    server = [f"phone:+5731{i:08d}" for i in range(1100)]  # above RAW_UP_TO: a GCS
    found, _, setup, response = run(server[::100] + ["phone:+10000000000"], server)
    assert found == list(range(11))
    assert len(setup) < 1100 * 16  # compressed, not 33-byte points
    for item in server:
        assert not _leaks(setup, item) and not _leaks(response, item)


def test_the_request_reveals_only_its_size() -> None:
    engine = OpenMinedPsi()
    _, first = engine.request(PHONES[:30], reveal=True)
    _, again = engine.request(PHONES[:30], reveal=True)
    _, other = engine.request(PHONES[100:130], reveal=True)
    assert engine.request_size(first) == 30
    # fresh blinding each time: the same list cannot be recognised, nor told from another
    assert first != again
    assert len(first) == len(again) == len(other)
    assert not set(_elements(first)) & set(_elements(again))


def _elements(request: bytes) -> list[bytes]:
    import private_set_intersection.python as psi

    message = psi.Request()
    message.ParseFromString(request)
    return list(message.encrypted_elements)


def test_setups_are_padded_so_sizes_show_only_roughly() -> None:
    engine = OpenMinedPsi()
    key = new_key()
    small = engine.setup(PHONES[:5], key=key, max_client_items=10)
    larger = engine.setup(PHONES[:60], key=key, max_client_items=10)
    assert abs(len(small) - len(larger)) < 16  # both hold 64 elements
    assert [padded_size(n) for n in (1, 64, 65, 100, 1000, 1_000_000)] == [
        64, 64, 80, 112, 1024, 1_048_576]


def test_a_response_under_another_key_opens_nothing() -> None:
    engine = OpenMinedPsi()
    phone_key, imo_key = new_key(), new_key()
    client_key, request = engine.request(PHONES[:10], reveal=True)
    phone_setup = engine.setup(PHONES[:10], key=phone_key, max_client_items=10)
    imo_response = engine.respond(request, key=imo_key, reveal=True)
    assert engine.intersection(client_key, phone_setup, imo_response) == []


def test_a_size_only_owner_refuses_a_request_for_the_items() -> None:
    engine = OpenMinedPsi()
    _, request = engine.request(PHONES[:3], reveal=True)
    with pytest.raises(InvalidValue, match="psi request: this registry answers with the "
                                           "intersection size only"):
        engine.respond(request, key=new_key(), reveal=False)


def test_malformed_messages_are_refused_with_a_reason() -> None:
    engine = OpenMinedPsi()
    with pytest.raises(InvalidValue, match="psi request: not a serialised PSI message"):
        engine.request_size(b"\xff\xff\xff")
    with pytest.raises(InvalidValue, match="psi key: a key has 32 bytes, not 3"):
        engine.setup(["a"], key=b"abc", max_client_items=1)
    with pytest.raises(InvalidValue, match="psi key: The given key is out of bounds"):
        engine.setup(["a"], key=b"\x00" * 32, max_client_items=1)


def test_derived_keys_are_stable_per_context() -> None:
    secret = bytes(range(32))
    assert derive_key(secret, "co/mx/phone/2025-W07") == derive_key(secret, "co/mx/phone/2025-W07")
    assert derive_key(secret, "co/mx/phone/2025-W07") != derive_key(secret, "co/mx/imo/2025-W07")
    with pytest.raises(InvalidValue, match="master secret needs 32 bytes"):
        derive_key(b"short", "x")
