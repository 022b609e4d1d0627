"""The loops docs/api.md shows, run as written with Node against a running server: each
follows `next` until it is null, so each must end, having seen every record or change."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.admin_support import missing_tool, serve
from tests.conftest import WriteDatabase

DOC = Path(__file__).resolve().parent.parent / "docs" / "api.md"
NODE = shutil.which("node")


def loops() -> list[str]:
    """The doc's JavaScript blocks that walk pages with `while (url)`."""
    blocks = re.findall(r"```js\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)
    return [b for b in blocks if "while (url)" in b]


@pytest.fixture
def base(write_db: WriteDatabase) -> Iterator[str]:
    yield from serve(write_db.url, 1)


def run(base: str, block: str, result: str) -> object:
    script = f'const API = "{base}/api/v1";\n{block}\nconsole.log(JSON.stringify({result}));'
    done = subprocess.run(
        [str(NODE), "--input-type=module", "-e", script],
        capture_output=True,
        text=True,
        timeout=60,  # a loop that never ends fails here
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_docs_paging_loops_end_having_seen_everything(base: str, backend: str) -> None:
    if NODE is None:
        missing_tool("docs loops", "Node is needed to run the docs' JavaScript (make tools)")
    walks = loops()
    assert len(walks) == 2, "docs/api.md shows a list walk and a change-feed walk"
    programs, feed = walks
    total = httpx.get(f"{base}/api/v1/programs", params={"limit": 1}).json()["total"]
    assert run(base, programs, "all.length") == total == 50
    changes = httpx.get(f"{base}/api/v1/changes", params={"limit": 500}).json()
    assert not changes["has_more"] and changes["next"] is None
    seen = run(base, feed, "{ n: seen.length, resumeAt, poll: page.poll, next: page.next }")
    assert isinstance(seen, dict)
    assert seen["n"] == len(changes["items"]) > 250 and seen["next"] is None
    assert seen["resumeAt"] == changes["since"]
    # Polling later gives exactly what was written since, and says when it has caught up.
    assert httpx.get(seen["poll"]).json()["items"] == []
    paged = httpx.get(f"{base}/api/v1/changes", params={"since": 0, "limit": 100}).json()
    assert paged["has_more"] and paged["next"] and len(paged["items"]) == 100
