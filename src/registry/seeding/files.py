"""Reading seed files with the line number of every row and field."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor


@dataclass
class Row:
    file: Path
    index: int  # 1-based position in the file's list
    line: int  # 1-based line where the row starts
    data: Any
    field_lines: dict[str, int] = field(default_factory=dict)

    def where(self, pointer: str = "") -> str:
        top = pointer.strip("/").split("/", 1)[0]
        line = self.field_lines.get(top, self.line)
        at = f"{self.file}:{line}: row {self.index}"
        key = (
            self.data.get("slug") or self.data.get("code") if isinstance(self.data, dict) else None
        )
        if key:
            at += f" ({key})"
        if pointer:
            at += f", field {pointer.strip('/').replace('/', '.')}"
        return at


class SeedFileError(Exception):
    def __init__(self, path: Path, message: str) -> None:
        super().__init__(f"{path}: {message}")


def _rows_of(path: Path, seq: yaml.Node) -> list[Row]:
    if not isinstance(seq, yaml.SequenceNode):
        raise SeedFileError(path, "expected a list of records")
    constructor = SafeConstructor()
    rows = []
    for index, node in enumerate(seq.value, start=1):
        data = constructor.construct_object(node, deep=True)
        lines = {}
        if isinstance(node, yaml.MappingNode):
            lines = {k.value: k.start_mark.line + 1 for k, _ in node.value}
        rows.append(Row(path, index, node.start_mark.line + 1, data, lines))
    return rows


def _compose(path: Path) -> yaml.Node | None:
    try:
        return yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise SeedFileError(path, f"not valid YAML: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise SeedFileError(path, f"not UTF-8: {exc}") from exc


def read_rows(path: Path) -> list[Row]:
    """Rows of a list file (organizations.yaml, ...)."""
    node = _compose(path)
    return [] if node is None else _rows_of(path, node)


def read_vocabulary(path: Path) -> tuple[Row, list[Row]]:
    """A vocabulary file: its header as a row, and its terms as rows."""
    node = _compose(path)
    if not isinstance(node, yaml.MappingNode):
        raise SeedFileError(path, "expected a mapping with vocabulary, labels and terms")
    header = SafeConstructor().construct_object(node, deep=True)
    lines = {k.value: k.start_mark.line + 1 for k, _ in node.value}
    terms_node = next((v for k, v in node.value if k.value == "terms"), None)
    terms = [] if terms_node is None else _rows_of(path, terms_node)
    return Row(path, 0, 1, header, lines), terms
