"""The floor: a program detail by hand, Starlette and the raw driver, the same JSON as the
registry's `GET /api/v1/programs/{id}` (bench/run.py checks that byte for byte).

What the stack can do at best: no ORM, no FastAPI, no middleware, the vocabulary and the
sources read once at start-up. Five statements a request (the program with its
organization, its terms, its partners), as few as the registry's read needs.

    python bench/floor.py sqlite:///var/bench/registry-10000.db --port 8123
    python bench/floor.py postgresql://postgres@127.0.0.1:5432/registry_bench_10000
"""

from __future__ import annotations

import argparse
import sqlite3
import uuid
from typing import Any

import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

# Vocabulary → the read schema's list field, in the schema's order.
TERM_LISTS = {
    "target_group": "target_groups",
    "setting": "settings",
    "ecological_level": "ecological_levels",
    "element": "elements",
    "province": "provinces",
}
PROGRAM = """
SELECT p.id, p.version, p.created_at, p.updated_at, p.deleted_at, p.slug, p.name_zh,
       p.name_en, p.aliases, p.components, o.id, o.slug, o.name_zh, o.name_en,
       p.intervention_type_id, p.course_based, p.established_year, p.interviewed,
       p.description_zh, p.description_en, p.source_id, p.source_locator_en,
       p.source_locator_zh, p.data_quality
FROM programs p JOIN organizations o ON o.id = p.organization_id
WHERE p.id = {0}
"""
TERMS = "SELECT term_id FROM program_terms WHERE program_id = {0}"
PARTNERS = """
SELECT o.id, o.slug, o.name_zh, o.name_en, pp.role_id
FROM program_partners pp JOIN organizations o ON o.id = pp.organization_id
WHERE pp.program_id = {0}
"""
NOTE_FIELDS = ("issue", "field", "source_value", "resolved_value", "note_en", "note_zh")


def _pick(zh: str | None, en: str | None, lang: str) -> str | None:
    if lang == "zh":
        return zh if zh is not None else en
    return en if en is not None else zh


def _named(record_id: Any, slug: str, zh: str | None, en: str, lang: str) -> dict[str, Any]:
    return {
        "id": _uuid(record_id),
        "slug": slug,
        "name": _pick(zh, en, lang),
        "name_zh": zh,
        "name_en": en,
    }


def _note(note: dict[str, Any], lang: str) -> dict[str, Any]:
    en = note.get("note_en", note.get("note"))
    out = {name: note.get(name) for name in NOTE_FIELDS}
    out["note_en"] = en
    out["note"] = _pick(out["note_zh"], en, lang)
    return out


class Database:
    """One connection per thread would do; the floor serves from the event loop, one
    request at a time, as the fastest single worker can."""

    def __init__(self, url: str) -> None:
        self.sqlite = url.startswith("sqlite")
        if self.sqlite:
            self.conn: Any = sqlite3.connect(url.split("///", 1)[1], check_same_thread=False)
            self.mark = "?"
        else:
            import psycopg

            self.conn = psycopg.connect(url.replace("+psycopg", ""), autocommit=True)
            self.mark = "%s"

    def all(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        return list(self.conn.execute(sql.format(self.mark), params).fetchall())

    def key(self, text: str) -> Any:
        """A UUID as the database stores it: 32 hex digits in SQLite, a uuid in PostgreSQL."""
        value = uuid.UUID(text)
        return value.hex if self.sqlite else value


def _uuid(value: Any) -> str:
    return str(value if isinstance(value, uuid.UUID) else uuid.UUID(value))


def _time(value: Any) -> str | None:
    """A stored time as orjson writes an aware datetime with OPT_UTC_Z."""
    if value is None:
        return None
    if not isinstance(value, str):  # PostgreSQL: a datetime already
        return orjson.dumps(value, option=orjson.OPT_UTC_Z).decode()[1:-1]
    text = value.replace(" ", "T")
    return (text.removesuffix(".000000") if text.endswith(".000000") else text) + "Z"


def _json(value: Any) -> Any:
    return orjson.loads(value) if isinstance(value, (str, bytes)) else value


class Floor:
    def __init__(self, url: str) -> None:
        self.db = Database(url)
        vocabularies = dict(self.db.all("SELECT id, name FROM vocabularies"))
        rows = self.db.all(
            "SELECT id, vocabulary_id, code, label_en, label_zh, parent_id, position"
            " FROM vocabulary_terms"
        )
        code = {r[0]: r[2] for r in rows}
        # term id → (vocabulary, sort key, JSON by language)
        self.terms: dict[Any, tuple[str, tuple[int, str], dict[str, dict[str, Any]]]] = {}
        for term_id, vocabulary_id, c, en, zh, parent, position in rows:
            base = {"label_en": en, "label_zh": zh, "parent": code.get(parent)}
            self.terms[term_id] = (
                vocabularies[vocabulary_id],
                (position, c),
                {
                    lang: {"code": c, "label": base[f"label_{lang}"], **base}
                    for lang in ("en", "zh")
                },
            )
        self.sources = {
            r[0]: {"key": r[1], "title_zh": r[3], "title_en": r[2]}
            for r in self.db.all('SELECT id, "key", title_en, title_zh FROM sources')
        }

    def program(self, ref: str, lang: str) -> dict[str, Any] | None:
        key = self.db.key(ref)
        found = self.db.all(PROGRAM, key)
        if not found:
            return None
        p = found[0]
        lists: dict[str, list[Any]] = {field: [] for field in TERM_LISTS.values()}
        terms = sorted((self.terms[t] for (t,) in self.db.all(TERMS, key)), key=lambda t: t[1])
        for vocabulary, _, labels in terms:
            lists[TERM_LISTS[vocabulary]].append(labels[lang])
        partners = sorted(
            (
                (self.terms[role][1], slug),
                {
                    "organization": _named(o, slug, zh, en, lang),
                    "role": self.terms[role][2][lang],
                },
            )
            for o, slug, zh, en, role in self.db.all(PARTNERS, key)
        )
        found_source = self.sources.get(p[20])
        source = found_source and {
            "key": found_source["key"],
            "title": _pick(found_source["title_zh"], found_source["title_en"], lang),
            **{k: found_source[k] for k in ("title_zh", "title_en")},
        }
        return {
            "id": _uuid(p[0]),
            "version": p[1],
            "created_at": _time(p[2]),
            "updated_at": _time(p[3]),
            "deleted_at": _time(p[4]),
            "slug": p[5],
            "name": _pick(p[6], p[7], lang),
            "name_zh": p[6],
            "name_en": p[7],
            "aliases": _json(p[8]),
            "components": _json(p[9]),
            "organization": _named(p[10], p[11], p[12], p[13], lang),
            "partners": [item for _, item in partners],
            "intervention_type": None if p[14] is None else self.terms[p[14]][2][lang],
            "course_based": bool(p[15]),
            "established_year": p[16],
            "interviewed": bool(p[17]),
            "target_groups": lists["target_groups"],
            "settings": lists["settings"],
            "ecological_levels": lists["ecological_levels"],
            "elements": lists["elements"],
            "provinces": lists["provinces"],
            "description": _pick(p[18], p[19], lang),
            "description_zh": p[18],
            "description_en": p[19],
            "provenance": {
                "source": source,
                "locator": _pick(p[22], p[21], lang),
                "locator_zh": p[22],
                "locator_en": p[21],
                "data_quality": [_note(note, lang) for note in _json(p[23]) or []],
            },
        }


def app(url: str) -> Starlette:
    floor = Floor(url)

    async def detail(request: Request) -> Response:
        lang = request.query_params.get("lang", "en")
        try:
            found = floor.program(request.path_params["ref"], lang)
        except ValueError:
            found = None
        if found is None:
            return Response(b'{"status":404}', status_code=404, media_type="application/json")
        return Response(orjson.dumps(found), media_type="application/json")

    async def root(request: Request) -> Response:
        return Response(b"{}", media_type="application/json")

    return Starlette(routes=[Route("/", root), Route("/api/v1/programs/{ref}", detail)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url", help="sqlite:///file.db or postgresql://…")
    parser.add_argument("--port", type=int, default=8123)
    args = parser.parse_args()
    uvicorn.run(app(args.url), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
