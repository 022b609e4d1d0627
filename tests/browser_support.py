"""The browser tests' shared pieces: headless Chromium from Debian's `chromium` package
driven by Playwright (which never downloads a browser here), a server on the seeded
database, and helpers that wait for a view and take screenshots. tests/conftest.py makes
the fixtures available to every test module.

Without a Chromium (REGISTRY_CHROMIUM, /usr/bin/chromium or `chromium` on PATH) the browser
tests are skipped with a loud message, except under CI, where they fail. They run on
SQLite only (their postgresql ids skip): the page reads the same API on either backend, and
the API itself is tested on both.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from registry.migrations import PROJECT_ROOT
from tests.admin_support import missing_tool, serve

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

SCREENSHOTS = PROJECT_ROOT / "var" / "screenshots"
# axe-core comes from npm, pinned in tests/browser/package-lock.json, and is installed there by
# `npm ci` when missing (node and npm are among `make test`'s tools).
BROWSER_PACKAGES = PROJECT_ROOT / "tests" / "browser"
AXE = BROWSER_PACKAGES / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def find_chromium() -> str | None:
    for candidate in (
        os.environ.get("REGISTRY_CHROMIUM"),
        "/usr/bin/chromium",
        shutil.which("chromium"),
    ):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.fixture(scope="module")
def chromium(backend: str) -> str:
    if backend != "sqlite":
        pytest.skip(
            "browser tests run on SQLite only: the page reads the same API on either "
            "backend, and the API is tested on both"
        )
    path = find_chromium()
    if path is None:
        missing_tool(
            "browser tests",
            "no Chromium found (set REGISTRY_CHROMIUM, or `apt-get install chromium` for "
            "/usr/bin/chromium)",
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing_tool(
            "browser tests",
            "the Python package playwright is not installed (pip install -e '.[dev]')",
        )
    return str(path)


@pytest.fixture(scope="module")
def server(chromium: str, seeded_url: str) -> Iterator[str]:
    yield from serve(seeded_url, 1)


@pytest.fixture(scope="module")
def browser(chromium: str, request: pytest.FixtureRequest) -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    shots = ", ".join(sorted(p.name for p in SCREENSHOTS.glob("*.png")))
    capture = request.config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print(f"\nexplorer screenshots in {SCREENSHOTS}/: {shots}")


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh tab; any script error or CSP violation in it fails the test. A test marked
    `failed_requests` makes requests fail on purpose: Chromium's console lines for those
    (and only those) are expected."""
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    tab = context.new_page()
    problems: list[str] = []
    expected = request.node.get_closest_marker("failed_requests") is not None

    def console(message: Any) -> None:
        if message.type != "error":
            return
        if expected and message.text.startswith("Failed to load resource"):
            return
        problems.append(f"console: {message.text}")

    tab.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    tab.on("console", console)
    yield tab
    context.close()
    assert not problems, problems


def settle(page: Page) -> None:
    """Wait until the view for the current URL is drawn (the page marks it on <main>)."""
    current = page.evaluate("location.hash")
    page.locator(f'main[data-hash="{current}"]').wait_for(state="attached")
    assert page.get_attribute("body", "data-state") == "ready", page.inner_text("#status")


def shoot(page: Page, name: str) -> Path:
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def api(server: str, path: str, **params: Any) -> Any:
    response = httpx.get(f"{server}/api/v1{path}", params=params, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture(scope="module")
def axe_source() -> str:
    if shutil.which("npm") is None:
        missing_tool("accessibility check", "axe-core needs node and npm (make tools)")
    if not AXE.exists():
        result = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=BROWSER_PACKAGES,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert result.returncode == 0, result.stderr
    return AXE.read_text()


def axe_violations(page: Page, axe_source: str) -> list[str]:
    """axe-core's serious and critical violations on the page as drawn, each with up to
    three of its elements. Run by the debugger protocol, which the page's CSP
    (script-src 'self') does not apply to."""
    for details in page.locator("details").all():
        details.evaluate("d => d.open = true")
    found: list[str] = page.evaluate(
        axe_source + ";\naxe.run(document, {resultTypes: ['violations']}).then(r => r.violations"
        ".filter(v => ['serious', 'critical'].includes(v.impact))"
        ".map(v => `${v.id}: ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ')}`))"
    )
    return found
