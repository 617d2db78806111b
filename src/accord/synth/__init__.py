"""A synthetic multi-nation trafficking scenario with planted ground truth.

``generate(out_dir, nations=..., scale=..., seed=...)`` writes one JSONL file
per nation in Accord's import format and ``truth.json``, the answer key;
``load_truth(path)`` reads the key back. See docs/synth.md.
"""

from __future__ import annotations

from accord.synth.generate import SynthSummary, generate
from accord.synth.truth import Truth, load_truth

__all__ = ["SynthSummary", "Truth", "generate", "load_truth"]
