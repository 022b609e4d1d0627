"""The OpenAPI document is the frontends' contract: it changes only on purpose.

`tests/contract/openapi.json` holds the document as served over the seeded database. A
change to routes, schemas or parameter docs fails here until the snapshot is refreshed
with `REGISTRY_UPDATE_CONTRACT=1 make test`, so the diff shows up in review.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from fastapi.testclient import TestClient

SNAPSHOT = Path(__file__).parent / "contract" / "openapi.json"


def _canonical(document: object) -> str:
    return json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def test_openapi_matches_the_committed_contract(client: TestClient) -> None:
    served = _canonical(client.get("/openapi.json").json())
    if os.environ.get("REGISTRY_UPDATE_CONTRACT"):
        SNAPSHOT.write_text(served, encoding="utf-8")
    expected = SNAPSHOT.read_text(encoding="utf-8")
    assert served == expected, (
        "/openapi.json differs from tests/contract/openapi.json; if the change is meant, "
        "refresh it with REGISTRY_UPDATE_CONTRACT=1 and review the diff"
    )
