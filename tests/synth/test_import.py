"""A generated world imports cleanly into nodes, each file into its own nation's store."""

from __future__ import annotations

from pathlib import Path

from accord.adapters.store import open_store
from accord.domain.registry import load_registry
from accord.services.ingest import import_files
from accord.synth import generate


def test_each_national_file_imports_without_a_rejected_line(tmp_path: Path) -> None:
    summary = generate(tmp_path / "world", nations="CO,ES", days=30, target_statements=3_000,
                       seed=9)
    registry = load_registry()
    for code, stats in summary.files.items():
        store = open_store(f"sqlite:///{tmp_path / code}.db")
        try:
            result = import_files(store, [stats.path], origin=stats.node, registry=registry,
                                  country=code)
        finally:
            store.close()
        assert result.rejected == 0
        assert result.reports_new == stats.reports
        # Identical values repeated on one entity collapse into one statement.
        assert 0.99 * stats.statements <= result.statements_new <= stats.statements
