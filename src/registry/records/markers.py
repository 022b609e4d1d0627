"""The references a create schema declares in its types: `Annotated[Code, VocabRef(...)]`
and `Annotated[Ref, RecordRef(...)]`, found once per schema class."""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Iterator
from typing import Any, NamedTuple

from pydantic import BaseModel

from registry.schemas.common import RecordRef, VocabRef

# Create-schema fields stored under another column name.
RENAMED = {
    "source": "source_id",
    "locator_en": "source_locator_en",
    "locator_zh": "source_locator_zh",
}


class Marker(NamedTuple):
    in_list: bool
    ref: VocabRef | RecordRef


class Field(NamedTuple):
    """One create-schema field: its name, its markers, and the column a scalar is kept in."""

    name: str
    markers: tuple[Marker, ...]

    @property
    def ref(self) -> VocabRef | RecordRef | None:
        return self.markers[0].ref if self.markers else None

    @property
    def is_list(self) -> bool:
        return bool(self.markers) and self.markers[0].in_list

    @property
    def column(self) -> str:
        return RENAMED.get(self.name, f"{self.name}_id" if self.markers else self.name)


def _markers(annotation: Any, metadata: list[Any]) -> Iterator[Marker]:
    """Every VocabRef/RecordRef anywhere in a field's type, and whether it is in a list."""
    for item in metadata:
        if isinstance(item, VocabRef | RecordRef):
            yield Marker(False, item)
    stack: list[tuple[bool, Any]] = [(False, annotation)]
    while stack:
        in_list, tp = stack.pop()
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            for item in tp.__metadata__:
                if isinstance(item, VocabRef | RecordRef):
                    yield Marker(in_list, item)
            stack.append((in_list, typing.get_args(tp)[0]))
        elif origin is list:
            stack.extend((True, a) for a in typing.get_args(tp))
        elif origin in (typing.Union, types.UnionType):
            stack.extend((in_list, a) for a in typing.get_args(tp))


@functools.cache
def fields(schema: type[BaseModel]) -> tuple[Field, ...]:
    """Each field of a schema with its markers; worked out once per class."""
    return tuple(
        Field(name, tuple(_markers(info.annotation, list(info.metadata))))
        for name, info in schema.model_fields.items()
    )
