"""The explorer's second edition (issue 16), in Chromium, against the API's own answers:
search snippets, failures, out-of-range pages, details that open at the top, a program's
links, the policies view, phones, keyboard use, the tab title, and axe-core on every view."""

from __future__ import annotations

import csv
import io
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.browser_support import api, axe_violations, settle, shoot
from tests.test_explorer import FACETS, PAGE_SIZE, shown_names

if TYPE_CHECKING:
    from playwright.sync_api import Page


def test_search_results_show_the_matched_words_marked(page: Page, server: str) -> None:
    page.goto(f"{server}/#programs?q=留守&lang=zh")
    settle(page)
    found = api(server, "/programs", q="留守", limit=PAGE_SIZE, lang="zh")
    snippets = page.locator(".program-item .snippet")
    assert snippets.count() == len(found["items"]) > 0
    for i, item in enumerate(found["items"]):
        snippet = snippets.nth(i)
        # The API's text, with its <mark>s as elements and nothing read as HTML.
        plain = item["snippet"].replace("<mark>", "").replace("</mark>", "")
        assert snippet.inner_text().endswith(plain)
        assert snippet.locator("mark").all_inner_texts() == ["留守"] * item["snippet"].count(
            "<mark>"
        )


@pytest.mark.failed_requests
def test_a_failed_load_clears_the_old_results(page: Page, server: str) -> None:
    page.goto(f"{server}/#programs?lang=en")
    settle(page)
    assert page.locator(".program-item").count() == PAGE_SIZE
    page.route("**/api/v1/programs?**", lambda route: route.abort())
    page.evaluate("location.hash = '#programs?target_group=left_behind&lang=en'")
    page.locator(".failed").wait_for()
    assert page.get_attribute("body", "data-state") == "error"
    assert page.locator(".program-item").count() == 0
    assert page.locator("#result-total").count() == 0
    page.unroute("**/api/v1/programs?**")
    page.click("#retry")
    # Same URL as the failed drawing, so wait for the state rather than the hash.
    page.locator("body[data-state=ready]").wait_for()
    settle(page)
    total = api(server, "/programs", target_group="left_behind", limit=1)["total"]
    assert page.get_attribute("#result-total", "data-total") == str(total)


def test_a_page_past_the_end_shows_the_last_page_and_says_so(page: Page, server: str) -> None:
    total = api(server, "/programs", limit=1)["total"]
    pages = -(-total // PAGE_SIZE)
    page.goto(f"{server}/#programs?page={pages + 6}&lang=en")
    wait_until(page, f"location.hash.includes('page={pages}&')")
    settle(page)
    assert page.inner_text("#page-of") == f"Page {pages} of {pages}"
    assert page.inner_text("#notice") == (
        f"There is no page {pages + 6}; showing the last page ({pages})."
    )
    last = api(server, "/programs", limit=PAGE_SIZE, offset=(pages - 1) * PAGE_SIZE, sort="name_en")
    assert shown_names(page) == [p["name_en"] for p in last["items"]]
    assert page.locator(".empty").count() == 0
    shoot(page, "programs-page-past-the-end-en-1280")


def test_a_program_opens_at_the_top_with_its_hotline_and_sibling_programs(
    page: Page, server: str
) -> None:
    page.goto(f"{server}/#programs?lang=en")
    settle(page)
    last = page.locator(".program-item h3 a").last
    last.scroll_into_view_if_needed()
    assert page.evaluate("window.scrollY") > 300
    last.click()
    wait_until(page, "location.hash.startsWith('#program/')")
    settle(page)
    assert page.evaluate("window.scrollY") == 0
    assert page.locator(".lang-switch").is_visible()
    box = page.locator(".lang-switch").bounding_box()
    assert box is not None and box["y"] >= 0

    page.goto(f"{server}/#program/lianai-huxin?lang=en")
    settle(page)
    program = api(server, "/programs/lianai-huxin", lang="en")
    hotlines = api(server, "/hotlines", program_id=program["id"], lang="en")["items"]
    assert hotlines
    shown = page.locator("section.hotlines li").evaluate_all("els => els.map(e => e.dataset.slug)")
    assert shown == [line["slug"] for line in hotlines]
    siblings = api(server, "/programs", organization_id=program["organization"]["id"], limit=500)[
        "items"
    ]
    others = {p["slug"] for p in siblings} - {program["slug"]}
    listed = page.locator("section.org-programs li").evaluate_all(
        "els => els.map(e => e.dataset.slug)"
    )
    assert set(listed) == others
    # A program with sibling programs links to them.
    rici = api(server, "/programs/rici-xinyi-plan")
    page.goto(f"{server}/#program/rici-xinyi-plan?lang=zh")
    settle(page)
    rici_siblings = api(server, "/programs", organization_id=rici["organization"]["id"])["items"]
    expected = sorted(p["slug"] for p in rici_siblings if p["slug"] != "rici-xinyi-plan")
    assert expected
    got = page.locator("section.org-programs li a").evaluate_all(
        "els => els.map(e => e.closest('li').dataset.slug)"
    )
    assert sorted(got) == expected
    assert page.locator("section.hotlines p").inner_text() == "未记录由本项目运营的热线。"


def wait_until(page: Page, condition: str) -> None:
    """Poll a JavaScript condition; `wait_for_function` would eval it, which the CSP refuses."""
    for _ in range(150):
        if page.evaluate(condition):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"never true: {condition}")


def _policy_slugs(page: Page) -> list[str]:
    return list(page.locator(".policy").evaluate_all("els => els.map(e => e.dataset.slug)"))


def test_policies_filter_chart_csv_and_detail(page: Page, server: str) -> None:
    page.goto(f"{server}/#policies?lang=en")
    settle(page)
    every = api(server, "/policies", sort="year,title_zh", limit=500)
    assert _policy_slugs(page) == [p["slug"] for p in every["items"]]
    # The chart: one column per year from the first to the last, each the API's count.
    years = api(server, "/policies/facets", facet="year")["facets"]["year"]
    counts = {int(v["value"]): v["count"] for v in years if v["count"]}
    bars = page.locator("#chart-policy-years rect.bar").evaluate_all(
        "els => els.map(e => [Number(e.dataset.year), Number(e.dataset.value)])"
    )
    assert bars == [[y, counts.get(y, 0)] for y in range(min(counts), max(counts) + 1)]

    page.select_option("#policy-year_min", "2010")
    settle(page)
    page.select_option("#policy-year_max", "2020")
    settle(page)
    topic = api(server, "/policies/facets", facet="topic", year_min=2010, year_max=2020)
    chosen = next(v for v in topic["facets"]["topic"] if v["count"] > 0)
    page.locator(f'input[name=topic][value="{chosen["value"]}"]').check()
    settle(page)
    params: dict[str, Any] = {"year_min": 2010, "year_max": 2020, "topic": chosen["value"]}
    expected = api(server, "/policies", sort="year,title_zh", limit=500, **params)
    assert _policy_slugs(page) == [p["slug"] for p in expected["items"]]
    assert page.get_attribute("#policies-title", "data-total") == str(expected["total"])
    assert all(2010 <= p["year"] <= 2020 for p in expected["items"])

    body = api(server, "/policies/facets", facet="issuing_body", **params)["facets"]
    issuer = next((v for v in body["issuing_body"] if v["count"] > 0), None)
    if issuer is not None:
        page.locator(f'input[name=issuing_body][value="{issuer["value"]}"]').check()
        settle(page)
        params["issuing_body"] = issuer["value"]
        narrowed = api(server, "/policies", sort="year,title_zh", limit=500, **params)
        assert _policy_slugs(page) == [p["slug"] for p in narrowed["items"]]
    page.select_option("#policy-level", "national")
    settle(page)
    params["level"] = "national"
    final = api(server, "/policies", sort="year,title_zh", limit=500, **params)
    assert _policy_slugs(page) == [p["slug"] for p in final["items"]]

    # The CSV link carries the filters and reads as words.
    href = page.get_attribute("#policy-csv-link", "href") or ""
    query = parse_qs(urlsplit(href).query)
    assert query["format"] == ["csv"] and query["labels"] == ["en"]
    assert query["year_min"] == ["2010"] and query["level"] == ["national"]
    export = httpx.get(f"{server}{href}", timeout=30)
    rows = list(csv.DictReader(io.StringIO(export.text.removeprefix("\ufeff"))))
    assert [r["slug"] for r in rows] == [p["slug"] for p in final["items"]]

    # A policy's detail view.
    slug = final["items"][0]["slug"]
    page.locator(f'.policy[data-slug="{slug}"] .policy-title a').click()
    settle(page)
    policy = api(server, f"/policies/{slug}", lang="en")
    assert page.inner_text("#policy-title") == policy["title"]
    assert page.locator(".policy-detail .description").inner_text() == policy["summary"]
    assert policy["topics"][0]["label"] in page.inner_text("section.facts")
    assert page.locator("#back-link").get_attribute("href", timeout=1000)


def test_on_a_phone_the_results_come_first_and_the_filters_fold(page: Page, server: str) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{server}/#programs?lang=zh")
    settle(page)
    toggle = page.locator(".programs-view > .filters-toggle")
    assert toggle.is_visible() and toggle.inner_text() == "筛选条件"
    assert not page.locator("#program-filters").is_visible()
    # Right below the button, before the (folded) filters.
    results, button = page.locator(".results").bounding_box(), toggle.bounding_box()
    assert results is not None and button is not None
    assert 0 < results["y"] - button["y"] < 80
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert page.locator("#program-filters").is_visible()
    shoot(page, "programs-filters-open-zh-390")
    page.set_viewport_size({"width": 1280, "height": 900})
    assert not toggle.is_visible()
    assert page.locator("#program-filters").is_visible()
    # The stations view folds its filters the same way, below its map.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{server}/#stations?lang=zh")
    settle(page)
    fold = page.locator(".stations-top > .filters-toggle")
    assert fold.is_visible() and not page.locator("#station-filters").is_visible()
    assert page.locator(".station-table").is_visible()
    fold.click()
    assert page.locator("#station-filters").is_visible()


def test_the_tab_title_follows_the_language_and_the_view(page: Page, server: str) -> None:
    for hash_, title in (
        ("#programs?lang=zh", "项目 · 心理健康服务登记库"),
        ("#programs?lang=en", "Programs · Mental-health services registry"),
        ("#policies?lang=zh", "政策时间线 · 心理健康服务登记库"),
        ("#charts?lang=en", "Charts · Mental-health services registry"),
    ):
        page.goto(f"{server}/{hash_}")
        settle(page)
        assert page.title() == title


def test_keyboard_reaches_tabs_filters_results_and_paging(page: Page, server: str) -> None:
    page.goto(f"{server}/#programs?lang=en")
    settle(page)
    reached: list[str] = []
    for _ in range(120):
        page.keyboard.press("Tab")
        reached.append(
            page.evaluate(
                """() => { const e = document.activeElement;
                  if (e.closest('#tabs')) return 'tab';
                  if (e.id === 'q') return 'search';
                  if (e.type === 'checkbox') return 'facet';
                  if (e.closest('.program-item')) return 'result';
                  if (e.id === 'next-page') return 'pager';
                  return e.tagName; }"""
            )
        )
    firsts = [reached.index(kind) for kind in ("tab", "search", "facet", "result", "pager")]
    assert firsts == sorted(firsts), reached
    # Enter on a facet's checkbox label is not needed: Space ticks it, as in any form.
    page.focus('input[name=target_group][value="primary"]')
    page.keyboard.press("Space")
    settle(page)
    assert "target_group=primary" in page.evaluate("location.hash")


VIEWS = [
    "#programs",
    "#programs?q=留守",
    "#program/lianai-huxin",
    "#policies",
    "#policy/2023-moe-student-mental-health-special-action-plan-2023-2025",
    "#stations",
    "#charts",
    "#admin",
]


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_axe_finds_no_serious_or_critical_violations(
    page: Page, server: str, axe_source: str, lang: str, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    found: dict[str, list[str]] = {}
    for view in VIEWS:
        joiner = "&" if "?" in view else "?"
        page.goto(f"{server}/{view}{joiner}lang={lang}")
        settle(page)
        results = axe_violations(page, axe_source)
        if results:
            found[view] = results
    assert not found, found


def test_the_programs_map_counts_and_filters_as_the_api_does(page: Page, server: str) -> None:
    page.goto(f"{server}/#programs?target_group=primary&lang=zh")
    settle(page)
    provinces = api(server, "/vocabularies/province", lang="zh")["terms"]
    facets = api(server, "/programs/facets", facet="province", target_group="primary", lang="zh")
    counts = {v["value"]: v["count"] for v in facets["facets"]["province"]}
    cells = page.locator("#program-map .map-cell").evaluate_all(
        "els => els.map(e => [e.dataset.code, Number(e.dataset.count)])"
    )
    # A cell for every province in the vocabulary, counting programs under the filters.
    assert sorted(code for code, _ in cells) == sorted(t["code"] for t in provinces)
    assert {code: n for code, n in cells} == {
        t["code"]: counts.get(t["code"], 0) for t in provinces
    }
    assert any(n for _, n in cells)
    code = max(counts, key=lambda c: counts[c])
    page.locator(f'#program-map .map-cell[data-code="{code}"]').click()
    settle(page)
    assert f"province={code}" in page.evaluate("location.hash")
    listed = api(
        server,
        "/programs",
        target_group="primary",
        province=code,
        sort="name_zh",
        limit=20,
        lang="zh",
    )
    assert page.get_attribute("#result-total", "data-total") == str(listed["total"])
    assert shown_names(page) == [p["name"] for p in listed["items"]]
    cell = page.locator(f'#program-map .map-cell[data-code="{code}"]')
    assert cell.get_attribute("aria-pressed") == "true"
    cell.click()
    settle(page)
    assert "province=" not in page.evaluate("location.hash")


# Visible text outside elements marked as Chinese (names, titles, quoted source words).
OUTSIDE_CHINESE = """() => {
  for (const d of document.querySelectorAll("details")) d.open = true;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const out = [document.title];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    // Data-quality notes quote what a Chinese source printed, as printed.
    if (!el || el.closest('[lang^="zh"], .quality-notes, script, style, noscript')) continue;
    if (!el.getClientRects().length) continue;
    out.push(node.textContent);
  }
  return out.join("\\n");
}"""
ENGLISH_VIEWS = [
    "#programs?lang=en",
    "#programs?q=留守&lang=en",
    "#program/lianai-huxin?lang=en",
    "#policies?lang=en",
    "#policy/2023-moe-student-mental-health-special-action-plan-2023-2025?lang=en",
    "#stations?lang=en",
    "#charts?lang=en",
    "#admin?lang=en",
]


def test_english_view_shows_chinese_only_where_marked_as_chinese(page: Page, server: str) -> None:
    """The reverse of the Chinese view's check: Chinese text in the English view is only
    what is marked lang="zh-CN" (a name's original beside its English, a matched snippet);
    the language switch's 中文 names the other language in its own."""
    found: dict[str, list[str]] = {}
    for view in ENGLISH_VIEWS:
        page.goto(f"{server}/{view}")
        settle(page)
        text = page.evaluate(OUTSIDE_CHINESE)
        han = [line for line in text.splitlines() if re.search(r"[\u3400-\u9fff]", line)]
        if han:
            found[view] = han[:5]
    assert not found, found


def test_a_facet_with_nothing_to_choose_says_so(page: Page, server: str) -> None:
    page.goto(f"{server}/#programs?q=抑郁&lang=zh")
    settle(page)
    facets = api(server, "/programs/facets", q="抑郁", facet=FACETS, lang="zh")["facets"]
    empty = [name for name in FACETS if not any(v["count"] for v in facets[name])]
    assert empty  # 抑郁 matches programs with no setting recorded
    for name in FACETS:
        fieldset = page.locator(f'fieldset[data-facet="{name}"]')
        hint = fieldset.locator("p.none")
        if name in empty:
            assert fieldset.locator("input").count() == 0
            assert hint.inner_text() == "当前结果中没有可选项。"
        else:
            assert hint.count() == 0
