"""A reference to another entity by its id (the endpoints of links)."""

from __future__ import annotations

from accord.domain.values.base import ValueType


class EntityType(ValueType):
    """An entity id. Whether the entity exists is the importer's check, not this type's."""

    name = "entity"
    label = "entity reference"

    def normalize(self, raw: str, *, country: str | None = None) -> str:
        text = self.clean(raw)
        if " " in text:
            raise self.invalid(raw, "an entity id contains no whitespace")
        return text
