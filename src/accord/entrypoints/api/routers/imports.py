"""``POST /import``: a JSONL upload, checked and written exactly like ``accord import``.

The body is the file itself (``curl --data-binary @file.jsonl``), streamed to
a temporary file (the node's ``max_import_bytes`` applies), then imported in
one unit of work: any bad line and nothing is written, unless
``skip_invalid=true``, in which case the response lists the rejected lines.
Problems name the upload as ``filename`` (default ``upload.jsonl``), never the
server's temporary path.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool

from accord.domain.errors import InvalidInput, Problem
from accord.domain.users import User
from accord.entrypoints.api.deps import NodeDep, require
from accord.services.ingest import import_files
from accord.services.users import Action

router = APIRouter(tags=["import"])
Importer = Annotated[User, Depends(require(Action.IMPORT))]
MAX_REJECTS_SHOWN = 1000


@router.post("/import", summary="Import a JSONL file (the request body)")
async def import_jsonl(
    request: Request, node: NodeDep, user: Importer,
    skip_invalid: Annotated[bool, Query(
        description="write the good lines; list the bad ones in the response")] = False,
    filename: Annotated[str, Query(
        max_length=200, pattern=r"^[\w.-]+$",
        description="how problems name the upload")] = "upload.jsonl",
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="accord-import-") as tmp:
        path = Path(tmp) / (filename if filename.endswith((".jsonl", ".ndjson", ".json"))
                            else f"{filename}.jsonl")
        size = 0
        with path.open("wb") as out:
            async for chunk in request.stream():
                size += len(chunk)
                out.write(chunk)
        if size == 0:
            raise InvalidInput([Problem(filename, "", "the request body is empty; send the "
                                        "JSONL file as the body")])
        rejects = Path(tmp) / "rejects.jsonl"
        try:
            result = await run_in_threadpool(
                import_files, node.store, [path], origin=node.node_id,
                registry=node.registry, country=node.config.country,
                skip_invalid=skip_invalid, rejects_path=rejects, actor=user.name)
        except InvalidInput as exc:
            raise _renamed(exc, str(path), filename) from None
        body = result.to_dict()
        body["files"] = [filename]
        body.pop("rejects_path", None)
        body["rejects"] = _read_rejects(rejects, str(path), filename)
        return body


def _renamed(exc: InvalidInput, old: str, new: str) -> InvalidInput:
    problems = [replace(p, where=p.where.replace(old, new), reason=p.reason.replace(old, new))
                for p in exc.problems]
    return InvalidInput(problems, truncated=exc.truncated)


def _read_rejects(path: Path, old: str, new: str) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    out = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines):
            if number >= MAX_REJECTS_SHOWN:
                break
            reject = json.loads(line)
            reject["file"] = new
            reject["message"] = str(reject.get("message", "")).replace(old, new)
            out.append(reject)
    return out
