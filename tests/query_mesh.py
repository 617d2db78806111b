"""Nodes served by in-process apps and reached through the real federation routes, with
every query message recorded (and opened, with the recipient's keys) for inspection."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi.testclient import TestClient
from tests.federation_kit import pin

from accord.adapters.envelope import open_envelope
from accord.adapters.query_transport import HttpQueryTransport
from accord.adapters.replay_cache import MemoryReplayCache
from accord.bootstrap import Node
from accord.entrypoints.api.app import create_app


@dataclass
class Wire:
    """One call as it crossed the wire: the raw bytes both ways, and the opened bodies."""

    path: str
    request: bytes
    response: bytes
    status: int
    opened: list[dict[str, Any]] = field(default_factory=list)


class Mesh:
    """Nodes at ``http://<name>.test``; ``wire`` holds every query call."""

    def __init__(self, nodes: dict[str, Node]) -> None:
        self.nodes = nodes
        self.by_id = {n.node_id: n for n in nodes.values()}
        self.clients = {name: TestClient(create_app(node)) for name, node in nodes.items()}
        for name, node in nodes.items():
            for other_name, other in nodes.items():
                if other_name != name:
                    pin(node, other, f"http://{other_name}.test")
        self.wire: list[Wire] = []
        self.transport = HttpQueryTransport(
            client=httpx.Client(transport=httpx.MockTransport(self._route)))

    def _route(self, request: httpx.Request) -> httpx.Response:
        name = request.url.host.removesuffix(".test")
        answer = self.clients[name].request(request.method, request.url.raw_path.decode(),
                                            content=request.content,
                                            headers=dict(request.headers))
        self.wire.append(Wire(request.url.path, request.content, answer.content,
                              answer.status_code))
        return httpx.Response(answer.status_code, content=answer.content,
                              headers=answer.headers)

    def opened(self) -> list[dict[str, Any]]:
        """Every envelope that crossed, decrypted with its recipient's keys (bodies only)."""
        out = []
        for call in self.wire:
            for raw in (call.request, call.response):
                try:
                    envelope = json.loads(raw).get("envelope")
                except ValueError:
                    continue
                if isinstance(envelope, str):
                    out.append(self._open(envelope))
        return out

    def _open(self, envelope: str) -> dict[str, Any]:
        from accord.adapters.compact import header, split

        head = header(split(envelope, 5, what="envelope")[0], what="envelope")
        me = self.by_id[head["aud"]]
        with me.store.unit_of_work(write=False) as uow:
            opened = open_envelope(envelope, my_keys=me.keys, my_id=me.node_id,
                                   sender_public_keys_lookup=uow.partners.keys_of,
                                   replay_cache=MemoryReplayCache(), now=datetime.now(UTC))
        return dict(opened.payload)

    def close(self) -> None:
        self.transport.close()
        for client in self.clients.values():
            client.close()
