"""The multi-nation demo behind ``accord demo`` (docs/demo.md).

``accord.demo.run.run_demo`` plays it: ``cluster`` (nodes and their server
processes), ``flow`` (the story's steps), ``summary`` (the JSON sections),
``render`` (the people's version), ``agreements/`` (the agreement templates).
This package imports nothing heavy itself, so ``accord`` starts fast.
"""

from __future__ import annotations

DEFAULT_NATIONS = ("CO", "MX", "US", "PA", "ES")
DEFAULT_SEED = 7
