"""Accord: federated, agreement-enforced intelligence sharing for counter-narcotics agencies."""

__version__ = "0.1.0"
