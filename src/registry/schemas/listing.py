"""Envelopes for lists: every field of an item may be left out by `fields`."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field

T = TypeVar("T")


def only_id_required(schema: dict[str, Any]) -> None:
    """List items carry every field unless `fields` narrows them; only `id` is certain."""
    schema["required"] = [r for r in schema.get("required", []) if r == "id"]


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int | None = Field(description="Matching records; null when `count=none`.")
    limit: int
    offset: int | None = Field(description="Records skipped; null when paging by cursor.")
    next: str | None = Field(description="URL of the next page (keyset cursor), or null.")


SNIPPET = Field(default=None, description="Excerpt with <mark> around matches, when `q` is given.")
