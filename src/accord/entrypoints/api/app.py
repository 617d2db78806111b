"""The HTTP API: ``create_app(node)`` builds a FastAPI app for one node.

Routes live under ``/api/v1`` (one router per resource in ``routers/``), plus
``/healthz`` without authentication and the OpenAPI document at
``/openapi.json``. Handlers are thin: parse, call one service, shape JSON.
"""

from __future__ import annotations

from fastapi import FastAPI

import accord
from accord.bootstrap import Node
from accord.entrypoints.api.errors import install_error_handlers
from accord.entrypoints.api.limits import BodySizeLimit
from accord.entrypoints.api.routers import (
    agreement_federation,
    agreements,
    approvals,
    audit,
    entities,
    explain,
    federation,
    health,
    imports,
    ledger_federation,
    network,
    queries,
    query_federation,
    reports,
    resolution,
    search,
    stream,
    users,
)

API_PREFIX = "/api/v1"

# Add a resource's router here (one line) to mount it under /api/v1.
ROUTERS = [reports.router, entities.router, search.router, imports.router, users.router,
           audit.router, agreements.router, approvals.router, explain.router, stream.router,
           resolution.router, queries.router, queries.deconfliction_router,
           network.router]


def create_app(node: Node) -> FastAPI:
    """An app serving ``node``. Opens the node's store now, so a broken node fails at start."""
    app = FastAPI(
        title=f"Accord node {node.node_id}",
        version=accord.__version__,
        description="Federated, agreement-enforced intelligence sharing. See docs/api.md.",
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.node = node
    # Touch the lazily built parts once here: request threads then share them
    # instead of racing to build them.
    _ = node.store, node.registry, node.receiver
    install_error_handlers(app)
    limits = node.config.api

    def limit_for(path: str) -> int:
        if path.startswith("/federation/"):  # batches of envelopes, each checked on its own
            return node.config.federation.max_batch_bytes
        return limits.max_import_bytes if path.endswith("/import") else limits.max_body_bytes

    app.add_middleware(BodySizeLimit, limit_for=limit_for)
    app.include_router(health.router)
    for router in ROUTERS:
        app.include_router(router, prefix=API_PREFIX)
    # Node-to-node routes: authenticated by signatures, not tokens (routers/federation.py).
    for router in federation.routers(node):
        app.include_router(router)
    app.include_router(ledger_federation.router)  # checkpoints and co-signatures (witnesses)
    app.include_router(agreement_federation.router)  # agreements between parties' nodes
    app.include_router(query_federation.router)  # hit/no-hit, follow-ups, deconfliction
    return app
