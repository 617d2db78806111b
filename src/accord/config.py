"""A node's directory and its configuration file.

Layout of a node directory (created by ``accord init``)::

    DIR/
      node.yaml           node id, country, name, contact point, database URL, API limits
      keys/               0700; signing.jwk and encryption.jwk, each 0600
      accord.db           the SQLite store (when the default database is used)

``node.yaml`` is written once by ``accord init`` and read by every command.
A relative SQLite URL (``sqlite:///accord.db``, the default) is relative to
the node directory, so a node directory can be moved or copied as a whole.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import pycountry
import yaml

from accord.domain.errors import AccordError, InvalidValue

CONFIG_FILE = "node.yaml"
KEYS_DIR = "keys"
DEFAULT_DB_FILE = "accord.db"
DEFAULT_DB_URL = f"sqlite:///{DEFAULT_DB_FILE}"
NODE_ENV = "ACCORD_NODE"

_NODE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class NodeConfigError(AccordError):
    """The node directory is missing, not initialised, or its node.yaml is broken."""

    code = "node_config"
    status = 500


@dataclass(frozen=True)
class ApiLimits:
    """Request size limits (bytes) enforced by the HTTP API."""

    max_body_bytes: int = 1 * 1024 * 1024
    max_import_bytes: int = 64 * 1024 * 1024


@dataclass(frozen=True)
class FederationSettings:
    """Exchange with partner nodes (``federation:`` in node.yaml; docs/federation.md)."""

    max_envelope_bytes: int = 4 * 1024 * 1024
    max_batch_bytes: int = 16 * 1024 * 1024
    freshness_seconds: int = 300
    batch_size: int = 100
    poll_seconds: float = 1.0
    pull_seconds: float = 30.0
    backoff_base_seconds: float = 0.5
    backoff_max_seconds: float = 300.0
    timeout_seconds: float = 30.0
    # The ledger while serving: sign a checkpoint (if anything new), witness partners.
    checkpoint_seconds: float = 60.0
    witness_seconds: float = 300.0
    # Benchmarks only: a plain, unauthenticated JSON endpoint to compare against.
    bench_plain_endpoint: bool = False

    @classmethod
    def from_dict(cls, raw: Any, *, where: str) -> FederationSettings:
        names = {f.name: f.type for f in fields(cls)}
        if not isinstance(raw, Mapping) or set(raw) - set(names):
            raise NodeConfigError(f"federation must be a mapping of {', '.join(sorted(names))}",
                                  where=where)
        values: dict[str, Any] = {}
        for key, value in raw.items():
            default = getattr(cls(), key)
            kind = type(default)
            if kind is bool:
                ok = isinstance(value, bool)
            else:
                ok = isinstance(value, int | float) and not isinstance(value, bool) and value > 0
            if not ok:
                raise NodeConfigError(f"federation.{key}: {value!r} is not a positive "
                                      f"{kind.__name__}", where=where)
            values[key] = kind(value)
        return cls(**values)


@dataclass(frozen=True)
class NodeConfig:
    """What ``node.yaml`` holds. Validated on construction."""

    node_id: str
    country: str
    name: str = ""
    contact: str = ""
    db_url: str = DEFAULT_DB_URL
    # Live events: "" for the in-process bus, or a NATS URL (docs/bus.md).
    bus: str = ""
    api: ApiLimits = field(default_factory=ApiLimits)
    federation: FederationSettings = field(default_factory=FederationSettings)

    def __post_init__(self) -> None:
        if not _NODE_ID.match(self.node_id):
            raise InvalidValue(
                f"{self.node_id!r} is not a node id (letters, digits, '.', '_', '-'; "
                "starting with a letter or digit; at most 64 characters)",
                where="node_id",
            )
        object.__setattr__(self, "country", normalise_country(self.country))
        if not self.db_url.strip():
            raise InvalidValue("the database URL is empty", where="db_url")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any], *, where: str = CONFIG_FILE) -> NodeConfig:
        known = {"node_id", "country", "name", "contact", "db_url", "bus", "api", "federation"}
        unknown = set(raw) - known
        if unknown:
            raise NodeConfigError(f"unknown key(s): {', '.join(sorted(unknown))}", where=where)
        for key in ("node_id", "country"):
            if not isinstance(raw.get(key), str):
                raise NodeConfigError(f"{key} is required and must be a string", where=where)
        api_raw = raw.get("api") or {}
        if not isinstance(api_raw, Mapping) or set(api_raw) - {"max_body_bytes",
                                                               "max_import_bytes"}:
            raise NodeConfigError(
                "api must be a mapping with max_body_bytes and/or max_import_bytes", where=where
            )
        try:
            return cls(
                node_id=raw["node_id"],
                country=raw["country"],
                name=str(raw.get("name") or ""),
                contact=str(raw.get("contact") or ""),
                db_url=str(raw.get("db_url") or DEFAULT_DB_URL),
                bus=str(raw.get("bus") or ""),
                api=ApiLimits(**{k: _positive_int(v, f"api.{k}", where)
                                 for k, v in api_raw.items()}),
                federation=FederationSettings.from_dict(raw.get("federation") or {},
                                                        where=where),
            )
        except InvalidValue as exc:
            raise NodeConfigError(exc.message, where=f"{where}: {exc.where}") from None


def _positive_int(value: object, name: str, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise NodeConfigError(f"{name}: {value!r} is not a positive integer", where=where)
    return value


def normalise_country(raw: str) -> str:
    """ISO 3166-1 alpha-2, upper case; raises ``InvalidValue`` naming the input."""
    code = raw.strip().upper()
    if len(code) != 2 or pycountry.countries.get(alpha_2=code) is None:
        raise InvalidValue(f"{raw!r} is not an ISO 3166-1 alpha-2 country code (e.g. CO, MX)",
                           where="country")
    return code


@dataclass(frozen=True)
class NodeDir:
    """Paths inside a node directory; no I/O until a method is called."""

    path: Path

    @property
    def config_path(self) -> Path:
        return self.path / CONFIG_FILE

    @property
    def keys_dir(self) -> Path:
        return self.path / KEYS_DIR

    def is_initialised(self) -> bool:
        return self.config_path.exists()

    def db_url(self, config: NodeConfig) -> str:
        """The store URL with a relative SQLite path resolved against the node directory."""
        return resolve_db_url(config.db_url, self.path)

    def read_config(self) -> NodeConfig:
        if not self.path.is_dir():
            raise NodeConfigError(f"{self.path} is not a directory; create a node with "
                                  "'accord init --node DIR --node-id ID --country CC'")
        if not self.is_initialised():
            raise NodeConfigError(f"{self.path} is not an Accord node (no {CONFIG_FILE}); "
                                  "create one with 'accord init'")
        try:
            raw = yaml.safe_load(self.config_path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise NodeConfigError(f"cannot read: {exc}", where=str(self.config_path)) from None
        if not isinstance(raw, Mapping):
            raise NodeConfigError("must be a YAML mapping", where=str(self.config_path))
        return NodeConfig.from_dict(raw, where=str(self.config_path))

    def write_config(self, config: NodeConfig) -> None:
        text = ("# Accord node configuration, written by 'accord init'.\n"
                "# A relative sqlite:/// path is relative to this directory.\n")
        text += yaml.safe_dump(config.to_dict(), sort_keys=False, allow_unicode=True)
        # 0600: a PostgreSQL URL may carry a password.
        fd = os.open(self.config_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)


def resolve_db_url(url: str, node_path: Path) -> str:
    """Make ``sqlite:///relative.db`` absolute under ``node_path``; other URLs are unchanged."""
    prefix = "sqlite:///"
    if url.startswith(prefix):
        rest = url[len(prefix):]
        if rest and rest != ":memory:" and not rest.startswith("/"):
            return prefix + str((node_path / rest).resolve())
    return url


def node_path(option: Path | None, env: Mapping[str, str] | None = None) -> Path:
    """The node directory from ``--node``, else ``$ACCORD_NODE``; an error if neither is set."""
    if option is not None:
        return option
    value = (os.environ if env is None else env).get(NODE_ENV, "").strip()
    if value:
        return Path(value)
    raise NodeConfigError(f"no node directory: pass --node DIR or set ${NODE_ENV}",
                          where="--node")
