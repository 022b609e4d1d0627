"""Export, edit, import: every export reads back as an import (issue 15), on both backends."""

from __future__ import annotations

import csv
import io
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from tests.conftest import RECORD_RESOURCES, WriteDatabase
from tests.test_read_api import all_items

FORMATS = {
    "csv": "text/csv",
    "ndjson": "application/x-ndjson",
    "json": "application/json",
}


def export(api: TestClient, resource: str, fmt: str, **params: Any) -> bytes:
    if fmt == "json":
        return orjson.dumps(all_items(api, f"/api/v1/{resource}", **params))
    response = api.get(f"/api/v1/{resource}", params={"format": fmt, **params})
    assert response.status_code == 200, response.text
    return response.content


def load(
    api: TestClient, headers: dict[str, str], resource: str, fmt: str, body: bytes, *, dry_run: bool
) -> dict[str, Any]:
    response = api.post(
        "/api/v1/import",
        params={"entity": resource, "dry_run": str(dry_run).lower()},
        content=body,
        headers={**headers, "Content-Type": FORMATS[fmt]},
    )
    assert response.status_code in (200, 422), response.text
    return dict(response.json())


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_export_imports_back_unchanged(
    api: TestClient, write_db: WriteDatabase, lang: str
) -> None:
    headers = write_db.tokens.headers("admin")
    for resource in RECORD_RESOURCES:
        for fmt in FORMATS:
            body = export(api, resource, fmt, lang=lang)
            for dry_run in (True, False):
                report = load(api, headers, resource, fmt, body, dry_run=dry_run)
                rows = report["rows"]
                assert rows and {r["outcome"] for r in rows} == {"unchanged"}, (
                    resource,
                    fmt,
                    [r for r in rows if r["outcome"] != "unchanged"][:3],
                )
                assert report["written"] is not dry_run


def test_an_edited_cell_is_the_only_change(api: TestClient, write_db: WriteDatabase) -> None:
    headers = write_db.tokens.headers("admin")
    before = export(api, "programs", "csv").decode("utf-8-sig")
    original = list(csv.DictReader(io.StringIO(before)))
    rows = [dict(r) for r in original]
    target = next(r for r in rows if r["slug"] == "lianai-huxin")
    target["established_year"] = "2020"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    report = load(api, headers, "programs", "csv", out.getvalue().encode(), dry_run=False)
    outcomes = {r["key"]: r["outcome"] for r in report["rows"]}
    assert outcomes.pop("lianai-huxin") == "updated"
    assert set(outcomes.values()) == {"unchanged"}
    after = list(csv.DictReader(io.StringIO(export(api, "programs", "csv").decode("utf-8-sig"))))
    changed = [
        (a["slug"], k) for b, a in zip(original, after, strict=True) for k in a if a[k] != b[k]
    ]
    # The edited cell, and what the server keeps of every write: its version and time.
    assert sorted(changed) == [
        ("lianai-huxin", "established_year"),
        ("lianai-huxin", "updated_at"),
        ("lianai-huxin", "version"),
    ]


def test_server_columns_must_match_the_record(api: TestClient, write_db: WriteDatabase) -> None:
    headers = write_db.tokens.headers("admin")
    items = all_items(api, "/api/v1/hotlines")
    stale = [{**items[0], "version": items[0]["version"] + 1}]
    report = load(api, headers, "hotlines", "json", orjson.dumps(stale), dry_run=True)
    [row] = report["rows"]
    assert row["outcome"] == "error"
    assert row["errors"][0]["field"] == "/version"
    assert "changed after this file was exported; export it again" in row["errors"][0]["reason"]
    other = [{**items[0], "id": items[1]["id"]}]
    [row] = load(api, headers, "hotlines", "json", orjson.dumps(other), dry_run=True)["rows"]
    assert row["errors"][0]["field"] == "/id" and "the record's is" in row["errors"][0]["reason"]
    new = [{**items[0], "slug": "a-new-hotline"}]
    [row] = load(api, headers, "hotlines", "json", orjson.dumps(new), dry_run=True)["rows"]
    assert {e["field"] for e in row["errors"]} >= {"/id"}
    assert "leave it out for a new record" in row["errors"][0]["reason"]
    # A picked text must be one of its pair: edit description_zh or _en instead.
    edited = [{**items[0], "description": "Something else"}]
    [row] = load(api, headers, "hotlines", "json", orjson.dumps(edited), dry_run=True)["rows"]
    assert row["errors"] == [
        {
            "field": "/description",
            "reason": "description is the description_zh or description_en the export's "
            "language picked; edit description_zh or description_en instead",
        }
    ]


def test_a_csv_cell_that_is_not_json_is_named(api: TestClient, write_db: WriteDatabase) -> None:
    headers = write_db.tokens.headers("admin")
    body = b"slug,data_quality\nlianai-huxin,typo;ambiguous\n"
    response = api.post(
        "/api/v1/import",
        params={"entity": "programs", "dry_run": "true"},
        content=body,
        headers={**headers, "Content-Type": "text/csv"},
    )
    assert response.status_code == 422
    assert response.json()["detail"].startswith("row 1, column data_quality: not JSON")


def _read_as(value: Any, lang: str) -> str:
    """What a person reads for a JSON value in a labelled CSV, from the list's own JSON."""
    joiner = "；" if lang == "zh" else "; "
    if value is None:
        return ""
    if isinstance(value, bool):
        return {"zh": "是否", "en": ("yes", "no")}[lang][0 if value else 1]
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return joiner.join(_read_as(v, lang) for v in value)
    if isinstance(value, dict) and "label" in value:
        return str(value["label"])
    if isinstance(value, dict) and "name" in value:
        return str(value["name"])
    if isinstance(value, dict) and "organization" in value:  # a partner
        role = value["role"]["label"]
        name = value["organization"]["name"]
        return f"{name}（{role}）" if lang == "zh" else f"{name} ({role})"
    return str(value)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_labelled_csv_reads_as_words(client: TestClient, lang: str) -> None:
    for resource in RECORD_RESOURCES:
        response = client.get(f"/api/v1/{resource}", params={"format": "csv", "labels": lang})
        assert response.status_code == 200, response.text
        assert f'filename="{resource}-{lang}.csv"' in response.headers["content-disposition"]
        rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
        items = {i["slug"]: i for i in all_items(client, f"/api/v1/{resource}", lang=lang)}
        assert len(rows) == len(items)
        header = list(rows[0])
        # One text per pair: the picked one, in the asked language; no server columns.
        assert not [c for c in header if c[-3:] in ("_zh", "_en") and c[:-3] in header]
        assert not {"id", "version", "created_at", "updated_at", "deleted_at"} & set(header)
        for row in rows:
            item = items[row["slug"]]
            for name, value in item.items():
                if name == "provenance":
                    source = value["source"]
                    assert row["source"] == (source["title"] if source else "")
                    assert row["source_locator"] == (value["locator"] or "")
                    assert len(row["data_quality"].split("；" if lang == "zh" else "; ")) >= len(
                        value["data_quality"]
                    )
                    for note in value["data_quality"]:
                        assert note["note"] in row["data_quality"]
                elif name in row:
                    assert row[name] == _read_as(value, lang), (resource, row["slug"], name)


def test_labelled_csv_in_chinese_holds_no_codes(client: TestClient) -> None:
    text = client.get(
        "/api/v1/programs",
        params={"format": "csv", "labels": "zh", "fields": "slug,partners,target_groups,provinces"},
    ).content.decode("utf-8-sig")
    rows = {r["slug"]: r for r in csv.DictReader(io.StringIO(text))}
    assert rows["horin-zhiyu-xinqiao"]["partners"] == "北京师范大学（学术支持）"
    gansu = rows["nwnu-gansu-left-behind-children"]
    assert gansu["target_groups"] == "留守儿童；农村/乡村儿童及家庭"
    assert gansu["provinces"] == "甘肃省"
    codes = {t["code"] for v in ("target_group", "province") for t in _terms(client, v)}
    cells = {
        c for r in rows.values() for k in ("target_groups", "provinces") for c in r[k].split("；")
    }
    assert not cells & codes


def _terms(client: TestClient, vocabulary: str) -> list[dict[str, Any]]:
    return list(client.get(f"/api/v1/vocabularies/{vocabulary}").json()["terms"])


def test_labels_apply_to_csv_only(client: TestClient) -> None:
    for params in ({"labels": "zh"}, {"labels": "zh", "format": "ndjson"}):
        response = client.get("/api/v1/programs", params=params)
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        assert "add format=csv" in response.json()["invalid-params"][0]["reason"]
    response = client.get("/api/v1/programs", params={"labels": "fr", "format": "csv"})
    assert response.status_code == 422


def test_a_labelled_export_is_refused_by_import_with_the_way_out(
    api: TestClient, write_db: WriteDatabase
) -> None:
    body = api.get("/api/v1/programs", params={"format": "csv", "labels": "zh", "q": "抑郁"})
    assert "<mark>" not in body.text  # the snippet reads as plain text
    response = api.post(
        "/api/v1/import",
        params={"entity": "programs", "dry_run": "true"},
        content=body.content,
        headers={**write_db.tokens.headers("admin"), "Content-Type": "text/csv"},
    )
    assert response.status_code == 422
    problem = response.json()
    assert "export again without `labels`" in problem["detail"]
    assert problem["invalid-params"][0]["name"] == "source_locator"
