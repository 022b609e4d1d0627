"""The explorer at `/`: served by the app, and used in a real browser.

The browser tests run the API with uvicorn on the seeded database and drive headless
Chromium from Debian's `chromium` package through Playwright, which never downloads a
browser here. Each check compares what the page shows with what the API answers for the
same request. Screenshots go to var/screenshots/.

Without a Chromium (REGISTRY_CHROMIUM, /usr/bin/chromium or `chromium` on PATH) the browser
tests are skipped with a loud message, except under CI, where they fail. They run on
SQLite only (their postgresql ids skip): the page reads the same API on either backend, and
the API itself is tested on both.
"""

from __future__ import annotations

import csv
import fnmatch
import io
import re
import tomllib
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient

from registry.api.explorer import STATIC
from registry.migrations import PROJECT_ROOT
from tests.browser_support import api, settle, shoot

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

PAGE_SIZE = 20  # the explorer's page size
FACETS = ["target_group", "intervention_type", "setting", "province"]


def test_page_and_assets_are_served_outside_the_api_document(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "'unsafe-inline'" not in csp
    # No inline script: the only <script> loads the module file.
    assert page.text.count("<script") == 1
    assert '<script type="module" src="/explorer/static/explorer.js"></script>' in page.text

    for name, media_type in (
        ("explorer.js", "text/javascript; charset=utf-8"),
        ("admin.js", "text/javascript; charset=utf-8"),
        ("map.js", "text/javascript; charset=utf-8"),
        ("stations.js", "text/javascript; charset=utf-8"),
        ("explorer.css", "text/css; charset=utf-8"),
        ("favicon.svg", "image/svg+xml"),
    ):
        asset = client.get(f"/explorer/static/{name}")
        assert asset.status_code == 200, name
        assert asset.headers["content-type"] == media_type
        assert asset.content == (STATIC / name).read_bytes()
    missing = client.get("/explorer/static/app.py")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"

    paths = client.get("/openapi.json").json()["paths"]
    assert "/" not in paths
    assert not [p for p in paths if p.startswith("/explorer")]


def test_api_caching_and_cors_still_apply(client: TestClient) -> None:
    origin = "http://localhost:5173"  # a default REGISTRY_CORS_ORIGINS entry
    listing = client.get("/api/v1/programs", params={"limit": 1}, headers={"Origin": origin})
    assert listing.headers["access-control-allow-origin"] == origin
    etag = listing.headers["etag"]
    again = client.get("/api/v1/programs", params={"limit": 1}, headers={"If-None-Match": etag})
    assert again.status_code == 304
    # The page is not JSON, so the ETag middleware leaves it alone.
    page = client.get("/")
    assert "Accept-Language" not in page.headers.get("vary", "")


def test_static_files_are_package_data() -> None:
    """A wheel holds only what pyproject's package-data names, so every file the page needs
    must match one of its patterns."""
    config = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["registry"]
    package = STATIC.parents[1]
    files = [p.relative_to(package).as_posix() for p in STATIC.iterdir()]
    assert {"explorer/static/index.html", "explorer/static/explorer.js"} <= set(files)
    assert all(any(fnmatch.fnmatch(f, pattern) for pattern in patterns) for f in files)


def shown_facets(page: Page) -> dict[str, dict[str, int]]:
    return {
        name: {
            box.get_attribute("value") or "": int(
                page.locator(f'label[for="{box.get_attribute("id")}"] .count').get_attribute(
                    "data-count"
                )
                or -1
            )
            for box in page.locator(f'fieldset[data-facet="{name}"] input[type=checkbox]').all()
        }
        for name in FACETS
    }


def expected_facets(
    body: dict[str, Any], chosen: dict[str, list[str]]
) -> dict[str, dict[str, int]]:
    # The page lists the options that would match something, and any option already chosen.
    return {
        name: {
            str(v["value"]): v["count"]
            for v in body["facets"][name]
            if v["count"] > 0 or str(v["value"]) in chosen.get(name, [])
        }
        for name in FACETS
    }


def shown_names(page: Page) -> list[str]:
    return page.locator(".program-item h3 a").all_inner_texts()


def test_choosing_a_target_group_updates_list_counts_and_csv_link(page: Page, server: str) -> None:
    page.goto(f"{server}/#programs?lang=en")
    settle(page)
    everything = api(server, "/programs", limit=PAGE_SIZE, sort="name_en", lang="en")
    assert page.get_attribute("#result-total", "data-total") == str(everything["total"])
    assert shown_names(page) == [p["name_en"] for p in everything["items"]]
    all_facets = api(server, "/programs/facets", facet=FACETS, lang="en")
    before = shown_facets(page)
    assert before == expected_facets(all_facets, {})

    left_behind = next(
        v for v in all_facets["facets"]["target_group"] if v["value"] == "left_behind"
    )
    option = page.get_by_role("checkbox", name=f"{left_behind['label']} ({left_behind['count']})")
    # A facet shows its top values; the rest are one "show all" away, none in a scroll box.
    target = page.locator('fieldset[data-facet="target_group"]')
    offered = [v for v in all_facets["facets"]["target_group"] if v["count"] > 0]
    assert len(offered) > 8
    assert target.locator("li:visible").count() == 8
    assert not option.is_visible()
    show_all = target.locator("button.show-all")
    assert show_all.inner_text() == f"Show all {len(offered)}"
    assert show_all.get_attribute("aria-expanded") == "false"
    show_all.click()
    assert show_all.inner_text() == "Show fewer"
    assert target.locator("li:visible").count() == len(offered)
    assert show_all.get_attribute("aria-expanded") == "true"
    option.check()
    settle(page)
    assert "target_group=left_behind" in page.evaluate("location.hash")
    shoot(page, "programs-left-behind-en")

    filtered = api(
        server, "/programs", target_group="left_behind", limit=PAGE_SIZE, sort="name_en", lang="en"
    )
    facets = api(server, "/programs/facets", target_group="left_behind", facet=FACETS, lang="en")
    assert filtered["total"] == left_behind["count"] == facets["total"]
    assert 0 < filtered["total"] < everything["total"]
    assert page.get_attribute("#result-total", "data-total") == str(filtered["total"])
    assert page.inner_text("#result-total") == f"{filtered['total']} programs"
    assert shown_names(page) == [p["name_en"] for p in filtered["items"]]
    chosen = {"target_group": ["left_behind"]}
    assert shown_facets(page) == expected_facets(facets, chosen)
    assert shown_facets(page) != before  # the counts did change
    assert page.is_checked('input[name=target_group][value="left_behind"]')

    # The CSV link exports exactly the filtered list: no paging parameters, same rows.
    href = page.get_attribute("#csv-link", "href") or ""
    query = parse_qs(urlsplit(href).query)
    assert urlsplit(href).path == "/api/v1/programs"
    assert query["format"] == ["csv"] and query["labels"] == ["en"]
    assert query["target_group"] == ["left_behind"]
    assert not {"limit", "offset", "cursor"} & set(query)
    export = httpx.get(f"{server}{href}", timeout=30)
    assert export.status_code == 200
    rows = list(csv.DictReader(io.StringIO(export.text.removeprefix("\ufeff"))))
    assert [r["slug"] for r in rows] == [p["slug"] for p in filtered["items"]]
    # Words, not codes: the target groups as the page shows them.
    assert all(left_behind["label"] in r["target_groups"].split("; ") for r in rows)


def test_paging_walks_the_list_as_the_api_does(page: Page, server: str) -> None:
    page.goto(f"{server}/#programs?lang=en")
    settle(page)
    total = api(server, "/programs", limit=1)["total"]
    pages = -(-total // PAGE_SIZE)
    assert pages > 1
    assert page.inner_text("#page-of") == f"Page 1 of {pages}"
    assert page.is_disabled("#prev-page")
    page.click("#next-page")
    settle(page)
    second = api(server, "/programs", limit=PAGE_SIZE, offset=PAGE_SIZE, sort="name_en")
    assert shown_names(page) == [p["name_en"] for p in second["items"]]
    assert page.inner_text("#page-of") == f"Page 2 of {pages}"
    assert page.get_attribute(".program-list", "start") == str(PAGE_SIZE + 1)
    assert "page=2" in page.evaluate("location.hash")


def test_search_and_open_a_program(page: Page, server: str) -> None:
    page.goto(f"{server}/#programs?lang=en")
    settle(page)
    page.get_by_label("Search", exact=True).fill("盈江")
    page.get_by_role("button", name="Search", exact=True).click()
    settle(page)
    found = api(server, "/programs", q="盈江", lang="en")
    assert [p["name_en"] for p in found["items"]] == shown_names(page)
    slug = found["items"][0]["slug"]

    page.get_by_role("link", name=found["items"][0]["name_en"]).click()
    settle(page)
    program = api(server, f"/programs/{slug}", lang="en")
    organization = api(server, f"/organizations/{program['organization']['slug']}", lang="en")
    source = api(server, f"/sources/{program['provenance']['source']['key']}")
    assert page.inner_text("#program-name") == program["name_en"]

    org = page.locator("section.organization")
    assert org.locator(".org-name").inner_text().startswith(organization["name_en"])
    assert organization["kind"]["label"] in org.inner_text()
    partners = page.locator("section.partners li").all_inner_texts()
    assert partners == [
        f"{p['organization']['name_en']} ({p['role']['label']})" for p in program["partners"]
    ]
    assert partners  # this program has partners, so the check is not vacuous
    links = page.locator("section.links a")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert f"/api/v1/programs/{slug}" in hrefs
    assert f"/api/v1/sources/{source['key']}" in hrefs

    provenance = page.locator("section.provenance")
    text = provenance.inner_text()
    assert source["title_en"] in text
    assert program["provenance"]["locator"] in text
    notes = program["provenance"]["data_quality"]
    assert notes
    shown = provenance.locator(".quality-notes li")
    assert shown.count() == len(notes)
    for i, note in enumerate(notes):
        assert shown.nth(i).get_attribute("data-issue") == note["issue"]
        assert note["note"] in shown.nth(i).inner_text()
    shoot(page, "program-detail-en")

    page.get_by_role("link", name="← Back to the results").click()
    settle(page)
    assert page.input_value("#q") == "盈江"
    assert shown_names(page) == [p["name_en"] for p in found["items"]]


def test_language_switch(page: Page, server: str) -> None:
    page.goto(f"{server}/#programs?target_group=migrant&lang=en")
    settle(page)
    assert page.get_attribute("html", "lang") == "en"
    assert page.inner_text("fieldset[data-facet=target_group] legend") == "Target group"
    english = api(server, "/programs/facets", target_group="migrant", facet=FACETS, lang="en")
    chinese = api(server, "/programs/facets", target_group="migrant", facet=FACETS, lang="zh")

    def label(body: dict[str, Any], code: str) -> str:
        return next(v["label"] for v in body["facets"]["target_group"] if v["value"] == code)

    migrant = page.locator('label[for="facet-target_group-migrant"]')
    assert migrant.inner_text().startswith(label(english, "migrant"))

    page.get_by_role("button", name="中文").click()
    settle(page)
    assert page.get_attribute("html", "lang") == "zh-CN"
    assert page.get_attribute('button[data-lang="zh"]', "aria-pressed") == "true"
    assert page.inner_text("fieldset[data-facet=target_group] legend") == "服务对象"
    assert page.inner_text("#tabs a[data-view=programs]") == "项目"
    assert migrant.inner_text().startswith(label(chinese, "migrant"))
    assert label(chinese, "migrant") != label(english, "migrant")
    assert page.inner_text("#result-total") == f"共 {chinese['total']} 个项目"
    listed = api(
        server, "/programs", target_group="migrant", sort="name_zh", lang="zh", limit=PAGE_SIZE
    )
    assert shown_names(page) == [p["name_zh"] or p["name_en"] for p in listed["items"]]
    hash_ = page.evaluate("location.hash")
    assert "lang=zh" in hash_
    assert "target_group=migrant" in hash_
    shoot(page, "programs-migrant-zh")

    page.get_by_role("button", name="English").click()
    settle(page)
    assert page.get_attribute("html", "lang") == "en"
    assert page.inner_text("#tabs a[data-view=programs]") == "Programs"


def test_policy_timeline_stations_and_charts(page: Page, server: str) -> None:
    page.goto(f"{server}/#programs?lang=en")
    settle(page)

    page.get_by_role("link", name="Policy timeline").click()
    settle(page)
    years = api(server, "/policies/facets", facet="year")
    policies = api(server, "/policies", sort="year,title_zh", limit=500, lang="en")
    assert page.get_attribute("#policies-title", "data-total") == str(years["total"])
    shown_years = page.locator(".timeline > li")
    expected_years = [v for v in years["facets"]["year"] if v["count"] > 0]
    assert shown_years.count() == len(expected_years)
    for i, year in enumerate(expected_years):
        group = shown_years.nth(i)
        assert group.get_attribute("data-year") == str(year["value"])
        assert group.locator(".policy").count() == year["count"]
    assert page.locator(".policy").evaluate_all("els => els.map(e => e.dataset.slug)") == [
        p["slug"] for p in policies["items"]
    ]
    shoot(page, "policies-en")

    page.get_by_role("link", name="Service stations").click()
    settle(page)
    # Every station in one table, and the map's count for every province (tests in
    # test_explorer_map.py follow the map's filters).
    stations = api(server, "/service-stations", sort="name_en", limit=500, lang="en")
    assert page.get_attribute("#station-total", "data-total") == str(stations["total"])
    shown_stations = page.locator(".station-table tr.station")
    assert shown_stations.evaluate_all("els => els.map(e => e.dataset.slug)") == [
        s["slug"] for s in stations["items"]
    ]
    provinces = api(server, "/service-stations/facets", facet="province", lang="en")
    assert page.locator("#station-map .map-cell").evaluate_all(
        "els => Object.fromEntries(els.map(e => [e.dataset.code, Number(e.dataset.count)]))"
    ) == {v["value"]: v["count"] for v in provinces["facets"]["province"]}
    shoot(page, "stations-en")

    page.get_by_role("link", name="Charts").click()
    settle(page)
    stats = api(server, "/stats", lang="en")
    for chart, group in (
        ("#chart-intervention", stats["programs_by_intervention_type"]),
        ("#chart-target", stats["programs_by_target_group"]),
    ):
        # Shares against shares: each bar is the row's share of the group's total, and each
        # line a share the report states.
        rows = [r for r in group["rows"] if r["count"] > 0 or r["stated"]]
        bars = page.locator(f"{chart} svg rect.bar")
        assert bars.evaluate_all("els => els.map(e => Number(e.dataset.value))") == [
            r["share"] for r in rows
        ]
        labels = page.locator(f"{chart} svg text.bar-label").all_text_contents()
        assert labels == [r["label"] for r in rows]
        lines = page.locator(f"{chart} svg line.stated")
        assert lines.evaluate_all("els => els.map(e => Number(e.dataset.share))") == [
            f["share"] for r in rows for f in r["stated"] if f["share"] is not None
        ]
    series = api(server, "/hotline-metrics/series", lang="en")
    assert series
    for i, one in enumerate(series):
        figure = page.locator(f"#chart-series-{i}")
        assert one["metric"]["label"] in figure.locator("figcaption").inner_text()
        if len(one["points"]) == 1:
            # One data point is shown as a figure, not as a one-bar chart.
            assert figure.locator("svg").count() == 0
            shown = figure.locator(".big-number").get_attribute("data-value")
            assert float(shown or "nan") == one["points"][0]["value"]
            continue
        values = figure.locator("rect.bar").evaluate_all(
            "els => els.map(e => Number(e.dataset.value))"
        )
        assert values == [p["value"] for p in one["points"]]
    shoot(page, "charts-en")


# Latin-script words the Chinese view may show: names and codes with no Chinese form.
LATIN_ALLOWED = (
    "English",  # the language switch names each language in that language
    "CSV",  # file formats, named as such in Chinese too
    "JSON",
    "OpenAPI",  # the name of the API description standard (footer link)
    "CC BY-NC-SA",  # the licence code in the 2024 report's description
    "Mind Future Institute",  # the report publisher's English-only name, in publisher_zh
    "CPSPWC",  # the CPS committee's acronym, printed beside its Chinese name
    "China in the Heart",  # the CPS activity as the English-only source names it
)
LATIN_WORD = r"[A-Za-z][A-Za-z'’.\-]*"
CHINESE_VIEWS = [
    "#programs?lang=zh",
    "#programs?q=心理&target_group=left_behind&setting=school&lang=zh",
    "#program/lianai-huxin?lang=zh",
    "#program/cps-emergency-volunteer-team?lang=zh",
    "#policies?lang=zh",
    "#policies?year_min=2010&level=national&topic=school_mental_health_education&lang=zh",
    "#policy/2023-moe-student-mental-health-special-action-plan-2023-2025?lang=zh",
    "#stations?lang=zh",
    "#charts?lang=zh",
    "#admin?lang=zh",
]
# What the API has in the source's language only, so the page cannot show it in Chinese:
# the locator within the source (no locator_zh), and the source's own words quoted in a
# data-quality note, as printed ("By 2032").
VISIBLE_TEXT = """() => {
  for (const d of document.querySelectorAll("details")) d.open = true;
  const shown = [document.title, document.body.innerText];
  for (const el of document.querySelectorAll("svg text, svg title")) shown.push(el.textContent);
  for (const name of ["placeholder", "title", "aria-label"]) {
    for (const el of document.querySelectorAll(`[${name}]`)) shown.push(el.getAttribute(name));
  }
  let text = shown.filter(Boolean).join("\\n");
  // Commands to type are neither language.
  for (const el of document.querySelectorAll("code")) text = text.split(el.innerText).join(" ");
  const verbatim = document.querySelectorAll(".quality-notes .printed");
  const exempt = [...verbatim].map((el) => el.innerText);
  for (const el of document.querySelectorAll(".quality-notes .note")) {
    exempt.push(...(el.innerText.match(/“[^”]*”/g) || []));
  }
  for (const part of exempt) text = text.split(part).join(" ");
  return text;
}"""


def latin_words(page: Page) -> list[str]:
    text = page.evaluate(VISIBLE_TEXT)
    for allowed in LATIN_ALLOWED:
        text = text.replace(allowed, " ")
    return re.findall(LATIN_WORD, text)


def test_chinese_view_shows_no_english_beyond_names_without_a_chinese_form(
    page: Page, server: str
) -> None:
    for view in CHINESE_VIEWS:
        page.goto(f"{server}/{view}")
        settle(page)
        assert page.get_attribute("html", "lang") == "zh-CN"
        assert latin_words(page) == [], view

    # The views do show the records the check is about: English names are left out, and a
    # data-quality note names its field in Chinese.
    page.goto(f"{server}/#program/cps-emergency-volunteer-team?lang=zh")
    settle(page)
    program = api(server, "/programs/cps-emergency-volunteer-team", lang="zh")
    assert page.inner_text("#program-name") == program["name_zh"]
    assert program["name_en"] not in page.inner_text("main")
    notes = page.locator(".quality-notes li")
    assert notes.count() == len(program["provenance"]["data_quality"])
    assert "（字段：中文名称）" in notes.first.inner_text()
    # The organization's slug a note records is shown as the organization's name.
    recorded = page.locator('.quality-notes li[data-issue="ambiguous"] .recorded')
    assert recorded.inner_text() == program["organization"]["name_zh"]
    # Where in the source, in Chinese too.
    assert page.inner_text(".locator") == program["provenance"]["locator_zh"]
    assert page.get_attribute(".locator", "lang") == "zh-CN"

    # The English view keeps the Chinese names beside the English ones.
    page.goto(f"{server}/#program/lianai-huxin?lang=en")
    settle(page)
    assert page.inner_text("#program-name") == "Lian'ai Huxin youth counselling"
    assert page.inner_text(".program-detail > p.alt") == "联爱护心"
    assert "(Field: Year established)" in page.inner_text(".quality-notes")


def test_chart_draws_registry_and_stated_shares_with_their_bases(page: Page, server: str) -> None:
    for lang, registry, report in (
        (
            "en",
            "registry: 4 of 44 (9.1%)",
            "report: 83.6% of 61 programs in the report's chapter-4 overview",
        ),
        ("zh", "登记库：4 / 44（9.1%）", "报告：83.6%（基数：61，扫描报告第四章概览所含项目）"),
    ):
        page.goto(f"{server}/#charts?lang={lang}")
        settle(page)
        target = api(server, "/stats", lang=lang)["programs_by_target_group"]
        primary = next(r for r in target["rows"] if r["value"] == "primary")
        (stated,) = primary["stated"]
        assert (primary["count"], target["total"], primary["share"]) == (4, 44, 9.1)
        assert (stated["share"], stated["base_value"], stated["same_base"]) == (83.6, 61, False)

        row = page.locator('#chart-target g.bar-row[data-code="primary"]')
        assert row.locator("rect.bar").get_attribute("data-value") == "9.1"
        assert row.locator("text.bar-value").text_content() == registry
        line = row.locator("line.stated")
        assert line.get_attribute("data-share") == "83.6"
        assert "other-base" in (line.get_attribute("class") or "")
        note = " ".join(row.locator("text.bar-note tspan").all_text_contents())
        assert note.replace(" ", "") == (
            f"{report}{'；' if lang == 'zh' else '; '}{I18N_OTHER_BASE[lang]}"
        ).replace(" ", "")
        # The bar and the line share one scale: a share of 100 would span the same width.
        bar_width = float(row.locator("rect.bar").get_attribute("width") or 0)
        line_x = float(line.get_attribute("x1") or 0)
        assert line_x / bar_width == pytest.approx(83.6 / 9.1, rel=0.01)

        # Where the report states a share of the registry's own population, nothing is said.
        same = page.locator('#chart-intervention g.bar-row[data-code="prevention_promotion"]')
        assert same.locator("line.stated.other-base").count() == 0
        assert I18N_OTHER_BASE[lang] not in (same.locator("text.bar-note").text_content() or "")


I18N_OTHER_BASE = {
    "en": "the two bases differ: not directly comparable",
    "zh": "两者基数不同，不宜直接比较",
}
SCREENSHOT_VIEWS = {
    "programs": "#programs?q=心理&target_group=left_behind",
    "program-lianai-huxin": "#program/lianai-huxin",
    "program-cps-emergency-volunteer-team": "#program/cps-emergency-volunteer-team",
    "programs-all": "#programs",
    "policies": "#policies",
    "policies-filtered": "#policies?year_min=2010&topic=school_mental_health_education",
    "policy": "#policy/2023-moe-student-mental-health-special-action-plan-2023-2025",
    "stations": "#stations",
    "stations-guangdong": "#stations?province=CN-GD",
    "charts": "#charts",
    "admin-signed-out": "#admin",
}


def test_screenshots_of_every_view(browser: Browser, server: str) -> None:
    """Every view in both languages at desktop and phone width, for a person to look at;
    the page's layout must not scroll sideways on either."""
    for width, height in ((1280, 900), (390, 844)):
        context = browser.new_context(viewport={"width": width, "height": height})
        tab = context.new_page()
        try:
            for lang in ("zh", "en"):
                for name, view in SCREENSHOT_VIEWS.items():
                    tab.goto(
                        f"{server}/{view}&lang={lang}"
                        if "?" in view
                        else f"{server}/{view}?lang={lang}"
                    )
                    settle(tab)
                    overflow = tab.evaluate("document.documentElement.scrollWidth - innerWidth")
                    assert overflow <= 0, (name, lang, width, overflow)
                    assert shoot(tab, f"{name}-{lang}-{width}").stat().st_size > 0
        finally:
            context.close()


def test_api_reference_loads_with_the_network_cut(page: Page, server: str) -> None:
    """/docs comes from assets installed with the package: with every request to another
    host refused, it still lists every operation of the API."""
    outside: list[str] = []

    def only_this_server(route: Any) -> None:
        if route.request.url.startswith(server):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_this_server)
    spec = httpx.get(f"{server}/openapi.json").json()
    count = sum(len(methods) for methods in spec["paths"].values())
    page.goto(f"{server}/docs")
    page.locator(".opblock").first.wait_for()
    assert page.locator(".opblock").count() == count
    assert "/api/v1/programs/{ref}" in page.inner_text("body")
    assert outside == [], outside
