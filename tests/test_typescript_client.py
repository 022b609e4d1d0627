"""Typed clients: the OpenAPI document gives readable names, TypeScript types generated from it
with openapi-typescript compile with tsc in a typed openapi-fetch snippet, and tsc rejects
calls the API would refuse.

The npm packages are pinned in clients/package-lock.json. Without node and npm the type check
is skipped with a loud message, except under CI, where it fails. The document does not depend
on the database backend, so the type check runs on SQLite only (its postgresql ids skip).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from registry.migrations import PROJECT_ROOT
from tests.admin_support import missing_tool

CLIENTS = PROJECT_ROOT / "clients"
GENERATED = CLIENTS / "src" / "registry.d.ts"
NEGATIVE = CLIENTS / "negative"
BIN = CLIENTS / "node_modules" / ".bin"
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]


def _titles(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["title"]] if isinstance(node.get("title"), str) else []
        return own + [t for value in node.values() for t in _titles(value)]
    if isinstance(node, list):
        return [t for value in node for t in _titles(value)]
    return []


def test_openapi_names_are_readable(client: TestClient) -> None:
    """Generated clients name their types and functions after these, so FastAPI's fallbacks
    (`Body_create_program_api_v1_programs_post`, `list_programs_api_v1_programs_get`) and
    Pydantic's `Model-Input`/`Model-Output` splits would leak into every frontend."""
    spec = client.get("/openapi.json").json()
    schema_names = list(spec["components"]["schemas"])
    assert "ProgramRead" in schema_names
    bad_schemas = [
        name
        for name in schema_names
        if not re.fullmatch(r"[A-Z][A-Za-z0-9]*", name)
        or name.startswith("Body")
        or "api_v1" in name.lower().replace(" ", "_")
    ]
    assert not bad_schemas, f"schema names a client cannot use as type names: {bad_schemas}"

    operations = _operations(spec)
    ids = [op.get("operationId") for _, _, op in operations]
    missing = [f"{m.upper()} {p}" for p, m, op in operations if not op.get("operationId")]
    assert not missing, f"operations without an operationId: {missing}"
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert not duplicates, f"operationIds used twice: {duplicates}"
    unreadable = [
        i
        for i in ids
        if not re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", str(i))
        or "api_v1" in str(i)
        or re.search(r"_(get|put|post|delete|patch|head|options)$", str(i))
    ]
    assert not unreadable, f"operationIds that look generated: {unreadable}"

    # Inline schemas (a list response, a raw body) are titled from the operation's name.
    generated = [t for t in _titles(spec["paths"]) if "Api V1" in t or t.startswith("Body ")]
    assert not generated, f"inline schema titles built from paths: {sorted(set(generated))}"


def test_import_documents_its_raw_body(client: TestClient) -> None:
    """POST /api/v1/import reads the raw body, so FastAPI infers no body schema for it: the
    route declares both media types itself, without a generated `Body_` model."""
    spec = client.get("/openapi.json").json()
    body = spec["paths"]["/api/v1/import"]["post"]["requestBody"]
    assert body["required"] is True
    assert set(body["content"]) == {"application/json", "text/csv"}
    assert body["content"]["application/json"]["schema"]["type"] == "array"


def test_errors_are_documented_as_problem_json(client: TestClient) -> None:
    """Errors are sent as application/problem+json; documenting them as application/json (or
    problem+json without a schema) types a client's `error` as `unknown`."""
    spec = client.get("/openapi.json").json()
    problem = {"$ref": "#/components/schemas/Problem"}
    wrong = []
    for path, method, operation in _operations(spec):
        for status, response in operation["responses"].items():
            content = response.get("content", {})
            documented = content.get("application/problem+json", {}).get("schema")
            if status[0] in "45" and (
                set(content) != {"application/problem+json"} or documented != problem
            ):
                wrong.append(f"{method.upper()} {path} {status}: {sorted(content)}")
    assert not wrong, "error responses not documented as a Problem:\n" + "\n".join(wrong)
    response = client.get("/api/v1/programs/no-such-slug")
    assert response.headers["content-type"] == "application/problem+json"


def _run(
    *args: str | Path, timeout: float = 300, cwd: Path = CLIENTS
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _output(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"


def _installed_matches_lock() -> bool:
    """npm keeps a copy of what it installed in node_modules/.package-lock.json."""
    installed = CLIENTS / "node_modules" / ".package-lock.json"
    if not installed.exists():
        return False

    def versions(path: Path) -> dict[str, str | None]:
        packages = json.loads(path.read_text())["packages"]
        return {k: v.get("version") for k, v in packages.items() if k}

    return versions(installed) == versions(CLIENTS / "package-lock.json")


@pytest.fixture(scope="module")
def node_modules(backend: str) -> Path:
    if backend != "sqlite":
        pytest.skip(
            "TypeScript client check: the OpenAPI document does not depend on the backend, "
            "so it runs on SQLite only"
        )
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if missing:
        missing_tool("TypeScript client check", f"needs {' and '.join(missing)} (Node.js 18+)")
    if not _installed_matches_lock():
        result = _run("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error", timeout=600)
        assert result.returncode == 0, f"npm ci failed in {CLIENTS}: {_output(result)}"
    return CLIENTS / "node_modules"


@pytest.fixture(scope="module")
def generated_types(
    node_modules: Path, client: TestClient, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """src/registry.d.ts from this app's /openapi.json, as `npm run generate` makes it."""
    document = tmp_path_factory.mktemp("openapi") / "openapi.json"
    response = client.get("/openapi.json")
    assert response.status_code == 200
    document.write_bytes(response.content)
    result = _run(BIN / "openapi-typescript", document, "-o", GENERATED)
    assert result.returncode == 0, _output(result)
    text = GENERATED.read_text()
    assert '"/api/v1/programs/{ref}"' in text
    assert "ProgramRead: {" in text
    # Vocabulary codes from the database become string literal types.
    assert '"left_behind"' in text
    return GENERATED


def test_typed_snippet_compiles(generated_types: Path) -> None:
    result = _run(BIN / "tsc", "--noEmit", "--pretty", "false", "-p", CLIENTS)
    assert result.returncode == 0, f"tsc rejected clients/src/example.ts: {_output(result)}"


def test_tsc_rejects_wrong_usage(generated_types: Path) -> None:
    """Each line marked `expect TSnnnn` in clients/negative must fail with that code, and
    nothing else may: this proves the types constrain parameters and fields."""
    expected: set[tuple[str, int, str]] = set()
    for source in sorted(NEGATIVE.glob("*.ts")):
        for number, line in enumerate(source.read_text().splitlines(), start=1):
            marker = re.search(r"// expect (TS\d+)$", line)
            if marker:
                expected.add((source.name, number, marker.group(1)))
    assert len(expected) >= 5

    result = _run(BIN / "tsc", "--noEmit", "--pretty", "false", "-p", NEGATIVE)
    assert result.returncode != 0, "tsc accepted calls the API would refuse"
    errors = re.findall(r"^(.+?)\((\d+),\d+\): error (TS\d+):", result.stdout, re.MULTILINE)
    found = {(Path(path).name, int(line), code) for path, line, code in errors}
    assert found == expected, _output(result)


def _recipe() -> tuple[list[str], str]:
    """docs/api.md §10's install command for a project of one's own, and its snippet."""
    section = (PROJECT_ROOT / "docs" / "api.md").read_text().split("## 10. TypeScript clients")[1]
    install = re.search(r"^npm install (--save-dev .+)$", section, re.MULTILINE)
    snippet = re.search(r"```ts\n(.+?)```", section, re.DOTALL)
    assert install and snippet, "docs/api.md §10 lost its recipe"
    return install.group(1).split(), snippet.group(1)


def test_the_docs_recipe_works_in_a_new_folder(
    node_modules: Path, client: TestClient, tmp_path: Path
) -> None:
    """What a frontend developer does from docs/api.md §10 in an empty folder: install the
    pinned packages from the npm registry, generate the types, compile the snippet."""
    packages, snippet = _recipe()
    (tmp_path / "package.json").write_text('{"name": "recipe", "private": true, "type": "module"}')
    result = _run("npm", "install", "--no-audit", "--no-fund", *packages, cwd=tmp_path, timeout=600)
    assert result.returncode == 0, f"the docs' npm install failed: {_output(result)}"
    (tmp_path / "openapi.json").write_bytes(client.get("/openapi.json").content)
    bin_dir = tmp_path / "node_modules" / ".bin"
    result = _run(
        bin_dir / "openapi-typescript", "openapi.json", "-o", "registry.d.ts", cwd=tmp_path
    )
    assert result.returncode == 0, _output(result)
    (tmp_path / "example.ts").write_text(snippet)
    (tmp_path / "tsconfig.json").write_text(
        (CLIENTS / "tsconfig.json")
        .read_text()
        .replace('"include": ["src/**/*.ts"]', '"include": ["*.ts"]')
    )
    result = _run(bin_dir / "tsc", "--noEmit", "--pretty", "false", "-p", ".", cwd=tmp_path)
    assert result.returncode == 0, f"tsc rejected the docs' snippet: {_output(result)}"
