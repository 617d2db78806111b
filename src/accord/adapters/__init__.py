"""The outside world: store, crypto and keys, partner transport, event bus."""
