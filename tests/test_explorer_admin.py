"""The explorer's admin tab (#admin) in Chromium, on a database of this module's own.

Each check compares what the tab does with what the API then answers: a record made with
the form reads back with the same values, an error sits beside the field its JSON pointer
names, a correction sends If-Match and never overwrites a change made underneath it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from tests.admin_support import serve
from tests.browser_support import axe_violations, settle, shoot
from tests.conftest import DatabaseFactory, WriteDatabase
from tests.test_explorer import LATIN_WORD, latin_words

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page


ORGANIZATION = "beijing-new-sunshine-charity-foundation"


@pytest.fixture(scope="module")
def admin_db(
    chromium: str, databases: DatabaseFactory, write_template: WriteDatabase
) -> Iterator[WriteDatabase]:
    """A seeded copy with tokens for the whole module: the tab writes to it."""
    url = databases.clone(write_template.url)
    yield WriteDatabase(url, write_template.tokens)
    databases.drop(url)


@pytest.fixture(scope="module")
def admin_server(admin_db: WriteDatabase) -> Iterator[str]:
    yield from serve(admin_db.url, 1)


# The refused writes these tests provoke (401, 412, 422) are logged by Chromium as failed
# loads, which is expected; a script error or CSP violation still fails a test.
pytestmark = pytest.mark.failed_requests


def get(server: str, path: str, **params: Any) -> httpx.Response:
    response = httpx.get(f"{server}/api/v1{path}", params=params, timeout=30)
    assert response.status_code == 200, response.text
    return response


def open_admin(page: Page, server: str, lang: str = "en", task: str = "") -> None:
    page.goto(f"{server}/#admin{'/' + task if task else ''}?lang={lang}")
    settle(page)


def sign_in(page: Page, server: str, token: str, lang: str = "en", task: str = "") -> None:
    open_admin(page, server, lang, task)
    page.fill("#admin-token", token)
    page.click("#use-token")
    # The tab draws itself again on the same URL: wait for that drawing to finish.
    page.locator("body[data-state=ready] #forget-token").wait_for()
    settle(page)


def test_without_a_token_the_tab_explains_how_to_get_one(page: Page, admin_server: str) -> None:
    for lang, title, tab in (
        ("en", "Admin · Mental-health services registry", "Admin"),
        ("zh", "管理 · 心理健康服务登记库", "管理"),
    ):
        open_admin(page, admin_server, lang)
        assert page.title() == title
        assert page.inner_text("#tabs a[data-view=admin]") == tab
        assert page.get_attribute("#tabs a[data-view=admin]", "aria-current") == "page"
        command = page.inner_text("#token-command")
        assert re.fullmatch(r"registry token create --name \S+ --role admin", command), command
        assert page.locator("label[for=admin-token]").is_visible()
        assert page.locator("form.record-form").count() == 0
        assert page.locator("input, select, textarea").count() == 1  # the token field only
    # The Chinese view has no English beyond the command itself.
    text = page.evaluate(
        """() => { const c = document.getElementById("token-command").innerText;
           return [document.title, document.body.innerText].join("\\n").split(c).join(" "); }"""
    )
    words = [w for w in re.findall(LATIN_WORD, text) if w not in ("English", "OpenAPI")]
    assert words == []

    # A wrong token is refused at once and not kept.
    page.fill("#admin-token", "reg_not-a-token")
    page.click("#use-token")
    page.locator("#token-message:not(:empty)").wait_for()
    assert page.get_attribute("#admin-token", "aria-invalid") == "true"
    assert page.evaluate("sessionStorage.length") == 0
    assert page.locator("form.record-form").count() == 0


def test_token_is_kept_in_session_storage_only(
    page: Page, admin_server: str, admin_db: WriteDatabase
) -> None:
    token = admin_db.tokens.admin
    sign_in(page, admin_server, token)
    stored = page.evaluate("Object.entries(sessionStorage)")
    assert [value for _, value in stored] == [token]
    local = page.evaluate("Object.entries(localStorage)")
    assert not [pair for pair in local if token in pair[1]]
    assert token not in page.url
    assert page.locator("form#program-form").is_visible()
    # It survives a reload of the tab, as sessionStorage does.
    page.reload()
    settle(page)
    assert page.locator("form#program-form").is_visible()

    page.click("#forget-token")
    page.locator("#admin-token").wait_for()
    assert page.evaluate("sessionStorage.length") == 0
    assert page.locator("form.record-form").count() == 0


def test_the_form_creates_a_program_that_reads_back_from_the_api(
    page: Page, admin_server: str, admin_db: WriteDatabase
) -> None:
    sign_in(page, admin_server, admin_db.tokens.admin)
    labels = page.locator("#f-target_groups label").all_inner_texts()
    vocabulary = get(admin_server, "/vocabularies/target_group", lang="en").json()["terms"]
    assert [label.strip() for label in labels] == [term["label"] for term in vocabulary]
    orgs = page.locator("#f-organization option").evaluate_all("els => els.map(e => e.value)")
    listed = get(admin_server, "/organizations", limit=500, fields="slug", sort="name_en").json()
    assert orgs == ["", *[o["slug"] for o in listed["items"]]]

    page.fill("#f-name_zh", "彩虹桥伙伴计划")
    page.fill("#f-name_en", "Rainbow Bridge Buddies")
    page.select_option("#f-organization", ORGANIZATION)
    page.select_option("#f-intervention_type", "prevention_promotion")
    page.check("#f-target_groups-left_behind")
    page.check("#f-target_groups-migrant")
    page.check("#f-settings-school")
    page.check("#f-elements-peer_support")
    page.check("#f-provinces-CN-GS")
    page.fill("#f-established_year", "2019")
    page.check("#f-course_based")
    page.fill("#f-description_zh", "每周一次的同伴小组。")
    page.fill("#f-description_en", "Weekly peer groups.")
    page.click("#program-submit")
    created = page.locator("#created")
    created.wait_for()
    slug = created.get_attribute("data-slug")
    assert slug == "rainbow-bridge-buddies"  # made from the English name
    assert page.inner_text("#created .created-slug") == slug

    program = get(admin_server, f"/programs/{slug}", lang="en").json()
    assert (program["name_zh"], program["name_en"]) == ("彩虹桥伙伴计划", "Rainbow Bridge Buddies")
    assert program["organization"]["slug"] == ORGANIZATION
    assert program["intervention_type"]["code"] == "prevention_promotion"
    assert [t["code"] for t in program["target_groups"]] == ["left_behind", "migrant"]
    assert [t["code"] for t in program["settings"]] == ["school"]
    assert [t["code"] for t in program["elements"]] == ["peer_support"]
    assert [t["code"] for t in program["provinces"]] == ["CN-GS"]
    assert program["established_year"] == 2019
    assert (program["course_based"], program["interviewed"]) == (True, False)
    assert program["description_zh"] == "每周一次的同伴小组。"
    assert program["description_en"] == "Weekly peer groups."
    assert page.get_attribute("#created-api", "href") == f"/api/v1/programs/{slug}"

    page.click("#created-view")
    settle(page)
    assert page.inner_text("#program-name") == "Rainbow Bridge Buddies"


def test_the_form_creates_an_organization_named_in_chinese_only(
    page: Page, admin_server: str, admin_db: WriteDatabase
) -> None:
    sign_in(page, admin_server, admin_db.tokens.admin, "zh", "new-organization")
    kinds = get(admin_server, "/vocabularies/organization_kind", lang="zh").json()["terms"]
    shown = page.locator("#f-kind option").all_inner_texts()
    assert shown[1:] == [term["label"] for term in kinds]
    page.fill("#f-name_zh", "星光心理服务中心")
    page.select_option("#f-kind", "social_service_organization")
    page.select_option("#f-province", "CN-SC")
    page.fill("#f-founded_year", "2016")
    page.click("#organization-submit")
    page.locator("#created").wait_for()
    slug = page.get_attribute("#created", "data-slug")
    assert slug == "xing-guang-xin-li-fu-wu-zhong-xin"  # the pinyin of the Chinese name
    org = get(admin_server, f"/organizations/{slug}").json()
    assert (org["name_zh"], org["name_en"]) == ("星光心理服务中心", None)
    assert (org["kind"]["code"], org["province"]["code"], org["founded_year"]) == (
        "social_service_organization",
        "CN-SC",
        2016,
    )


def test_problems_show_beside_the_field_they_name(
    page: Page, admin_server: str, admin_db: WriteDatabase
) -> None:
    before = get(admin_server, "/programs", limit=1).json()["total"]
    sign_in(page, admin_server, admin_db.tokens.admin)
    year = page.locator("#f-established_year")
    page.fill("#f-name_en", "Too Old Program")
    page.select_option("#f-organization", ORGANIZATION)
    page.fill("#f-established_year", "1700")
    page.click("#program-submit")
    page.locator("#f-established_year[aria-invalid=true]").wait_for()
    error = page.locator('[data-field="established_year"] .field-error')
    assert error.inner_text() == "Input should be greater than or equal to 1800"
    assert "f-established_year-error" in (year.get_attribute("aria-describedby") or "").split()
    assert "f-established_year-hint" in (year.get_attribute("aria-describedby") or "").split()
    assert page.evaluate("document.activeElement.id") == "f-established_year"
    # Only the year is marked.
    assert page.locator("[aria-invalid=true]").count() == 1
    assert page.locator(".form-errors").is_hidden()

    # A future year, no name and no organization, in Chinese: each beside its own field.
    page.click("button[data-lang=zh]")
    settle(page)
    page.fill("#f-established_year", "2199")
    page.check("#f-target_groups-rural")
    page.click("#program-submit")
    page.locator("#f-name_en[aria-invalid=true]").wait_for()
    assert page.inner_text('[data-field="established_year"] .field-error') == "年份不能晚于今年。"
    assert page.get_attribute("#f-established_year", "aria-invalid") == "true"
    assert (
        page.inner_text('[data-field="name_en"] .field-error') == "中文名称和英文名称至少填一个。"
    )
    assert page.get_attribute("#f-organization", "aria-invalid") == "true"
    assert page.inner_text('[data-field="organization"] .field-error')
    assert get(admin_server, "/programs", limit=1).json()["total"] == before

    # A list item's pointer (/target_groups/0) marks that code's box; a pointer no field
    # of the form holds goes to the top of the form.
    problem = {
        "type": "about:blank",
        "title": "Unprocessable Content",
        "status": 422,
        "detail": "Invalid input",
        "invalid-params": [
            {"name": "/target_groups/0", "reason": "unknown code 'rural' in vocabulary"},
            {"name": "/partners/0/role", "reason": "Field required"},
        ],
    }
    page.route(
        "**/api/v1/programs",
        lambda route: (
            route.fulfill(status=422, content_type="application/problem+json", json=problem)
            if route.request.method == "POST"
            else route.continue_()
        ),
    )
    page.fill("#f-name_en", "Listed Program")
    page.select_option("#f-organization", ORGANIZATION)
    page.fill("#f-established_year", "")
    page.click("#program-submit")
    page.locator("#f-target_groups-rural[aria-invalid=true]").wait_for()
    assert page.inner_text('[data-field="target_groups"] .field-error') == "不是词表中的代码。"
    described = page.get_attribute("#f-target_groups-rural", "aria-describedby")
    assert described == "f-target_groups-error"
    top = page.locator(".form-errors li[data-pointer]")
    assert top.evaluate_all("els => els.map(e => e.dataset.pointer)") == ["/partners/0/role"]
    assert page.locator("[aria-invalid=true]").count() == 1
    assert get(admin_server, "/programs", limit=1).json()["total"] == before


def test_a_correction_sends_if_match_and_never_overwrites_a_change_underneath(
    page: Page, admin_server: str, admin_db: WriteDatabase
) -> None:
    slug = "lianai-huxin"
    headers = admin_db.tokens.headers("admin", **{"Content-Type": "application/json"})
    sent: list[tuple[str, dict[str, str], str | None]] = []
    page.on(
        "request",
        lambda request: (
            sent.append((request.method, request.headers, request.post_data))
            if request.method == "PATCH"
            else None
        ),
    )
    sign_in(page, admin_server, admin_db.tokens.admin, task="edit")
    page.fill("#load-ref", slug)
    page.click("#load-record")
    settle(page)
    original = get(admin_server, f"/programs/{slug}")
    record = original.json()
    assert page.get_attribute(".edit-record", "data-etag") == original.headers["etag"]
    assert page.input_value("#f-name_en") == record["name_en"]
    assert page.input_value("#f-organization") == record["organization"]["slug"]
    assert page.is_checked("#f-target_groups-adolescents")
    assert page.input_value("#f-established_year") == str(record["established_year"])

    # A change of one field sends that field alone, with the ETag the page read.
    page.fill("#f-established_year", "2020")
    page.click("#program-submit")
    page.locator("#saved").wait_for()
    method, request_headers, body = sent[-1]
    assert (method, len(sent)) == ("PATCH", 1)
    assert request_headers["if-match"] == original.headers["etag"]
    assert body == '{"established_year":2020}'
    after = get(admin_server, f"/programs/{slug}").json()
    assert (after["established_year"], after["version"]) == (2020, record["version"] + 1)
    assert after["name_en"] == record["name_en"]
    assert page.get_attribute(".edit-record", "data-version") == str(after["version"])

    # Someone else changes the record while the form is open: the save is refused.
    current = httpx.get(f"{admin_server}/api/v1/programs/{slug}", timeout=30)
    underneath = httpx.patch(
        f"{admin_server}/api/v1/programs/{slug}",
        headers={**headers, "If-Match": current.headers["etag"]},
        json={"description_en": "Changed by someone else."},
        timeout=30,
    )
    assert underneath.status_code == 200, underneath.text
    page.fill("#f-name_en", "My rename")
    page.fill("#f-description_en", "My description.")
    page.click("#program-submit")
    page.locator("#conflict").wait_for()
    assert "someone else changed this record" in page.inner_text("#conflict")
    assert sent[-1][1]["if-match"] == current.headers["etag"]
    kept = get(admin_server, f"/programs/{slug}").json()
    assert kept["name_en"] == record["name_en"]
    assert kept["description_en"] == "Changed by someone else."
    assert kept["version"] == after["version"] + 1

    # Reloading shows their change, in both languages' words for the conflict.
    page.click("#reload-record")
    page.locator(f'.edit-record[data-version="{kept["version"]}"]').wait_for()
    assert page.input_value("#f-description_en") == "Changed by someone else."
    page.click("button[data-lang=zh]")
    settle(page)
    page.fill("#f-name_en", "My rename")
    httpx.patch(
        f"{admin_server}/api/v1/programs/{slug}",
        headers={
            **headers,
            "If-Match": httpx.get(f"{admin_server}/api/v1/programs/{slug}").headers["etag"],
        },
        json={"description_en": "Changed again."},
        timeout=30,
    ).raise_for_status()
    page.click("#program-submit")
    page.locator("#conflict").wait_for()
    assert "其他人已经修改了这条记录" in page.inner_text("#conflict")
    assert get(admin_server, f"/programs/{slug}").json()["name_en"] == record["name_en"]


def test_history_lists_the_versions_the_api_lists(
    page: Page, admin_server: str, admin_db: WriteDatabase
) -> None:
    slug = "cps-emergency-volunteer-team"
    headers = admin_db.tokens.headers("admin", **{"Content-Type": "application/json"})
    for year, settings in ((2010, ["online"]), (2011, ["online", "school"])):
        etag = httpx.get(f"{admin_server}/api/v1/programs/{slug}").headers["etag"]
        httpx.patch(
            f"{admin_server}/api/v1/programs/{slug}",
            headers={**headers, "If-Match": etag},
            json={"established_year": year, "settings": settings},
            timeout=30,
        ).raise_for_status()
    history = get(admin_server, f"/programs/{slug}/history").json()
    assert len(history) == 3
    for lang in ("en", "zh"):
        sign_in(page, admin_server, admin_db.tokens.admin, lang)
        page.goto(f"{admin_server}/#admin/edit?kind=program&ref={slug}&lang={lang}")
        settle(page)
        rows = page.locator("#history-table tbody tr")
        assert rows.count() == len(history)
        for i, entry in enumerate(history):
            row = rows.nth(i)
            assert row.get_attribute("data-version") == str(entry["version"])
            assert row.get_attribute("data-action") == entry["action"]
            assert row.locator("td.actor").inner_text() == entry["actor"]
            assert row.locator("time").get_attribute("datetime") == entry["at"]
            changed = row.locator("td.changed").get_attribute("data-fields") or ""
            assert changed.split(",") == list(entry["changes"])
        assert history[-1]["actor"] == "test-admin"
        last = rows.nth(len(history) - 1).locator("td.changed").inner_text()
        assert last == ("Year established, Settings" if lang == "en" else "创办年份、服务场景")
        page.evaluate("sessionStorage.clear()")

    # An organization's history, loaded through the form.
    sign_in(page, admin_server, admin_db.tokens.admin, task="edit")
    page.select_option("#load-kind", "organization")
    page.fill("#load-ref", ORGANIZATION)
    page.click("#load-record")
    settle(page)
    org_history = get(admin_server, f"/organizations/{ORGANIZATION}/history").json()
    versions = page.locator("#history-table tbody tr").evaluate_all(
        "els => els.map(e => Number(e.dataset.version))"
    )
    assert versions == [entry["version"] for entry in org_history]
    assert (
        page.input_value("#f-kind")
        == get(admin_server, f"/organizations/{ORGANIZATION}").json()["kind"]["code"]
    )


def test_screenshots_of_the_admin_tab(
    browser: Browser, admin_server: str, admin_db: WriteDatabase
) -> None:
    for width, height in ((1280, 900), (390, 844)):
        context = browser.new_context(viewport={"width": width, "height": height})
        tab = context.new_page()
        try:
            for lang in ("zh", "en"):
                sign_in(tab, admin_server, admin_db.tokens.admin, lang)
                overflow = tab.evaluate("document.documentElement.scrollWidth - innerWidth")
                assert overflow <= 0, (lang, width, overflow)
                assert shoot(tab, f"admin-{lang}-{width}").stat().st_size > 0
                if lang == "zh":
                    # Every word of the signed-in form is Chinese, the organizations' names too.
                    assert tab.get_attribute("html", "lang") == "zh-CN"
                    assert latin_words(tab) == []
                tab.evaluate("sessionStorage.clear()")
        finally:
            context.close()


def test_axe_finds_no_serious_or_critical_violations_in_the_forms(
    page: Page, admin_server: str, admin_db: WriteDatabase, axe_source: str
) -> None:
    found: dict[str, list[str]] = {}
    for lang in ("zh", "en"):
        for task in ("", "new-organization", "edit"):
            sign_in(page, admin_server, admin_db.tokens.admin, lang, task)
            if task == "edit":
                page.fill("#load-ref", "lianai-huxin")
                page.click("#load-record")
                settle(page)
            violations = axe_violations(page, axe_source)
            if violations:
                found[f"{lang} {task or 'new-program'}"] = violations
            page.evaluate("sessionStorage.clear()")
    assert not found, found
