"""The province map (explorer/static/map.js) and the service-stations view built on it, in
Chromium, each check against what the API answers for the same filters.

The browser fixtures and helpers are test_explorer's; see its docstring for how Chromium is
found and when these tests skip.
"""

from __future__ import annotations

import csv
import io
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import httpx

from tests.browser_support import api, settle, shoot
from tests.test_explorer import latin_words

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page


CELLS = "#station-map .map-cell"
HAN = re.compile(r"[\u3400-\u9fff]")
CELL_FACTS = """els => els.map(e => ({
  code: e.dataset.code,
  count: Number(e.dataset.count),
  name: e.getAttribute("aria-label"),
  short: e.querySelector(".map-name").textContent,
  pressed: e.getAttribute("aria-pressed"),
  level: [...e.classList].find((c) => c.startsWith("map-level-")),
  color: getComputedStyle(e).color,
  background: getComputedStyle(e).backgroundColor,
  outline: getComputedStyle(e).outlineStyle,
  box: (({x, y, width, height}) => ({x, y, width, height}))(e.getBoundingClientRect()),
}))"""


# Draws a map with map.js alone, as another view would: (provinces, [code, count] pairs,
# selected codes) => what it drew, read while it is on the page.
DRAW_MAP = """async ([provinces, counts, selected]) => {
  const { provinceMap } = await import('/explorer/static/map.js');
  const h = (tag, attrs = {}, ...children) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
      else if (k === 'dataset') Object.assign(node.dataset, v);
      else node.setAttribute(k, v);
    }
    for (const c of children.flat(Infinity)) if (c !== null && c !== false) node.append(c);
    return node;
  };
  const picked = [];
  const figure = provinceMap(
    { h, s: h, t: (key) => key, fmt: String, lang: () => 'en' },
    {
      provinces, counts: new Map(counts), selected: new Set(selected),
      onSelect: (code) => picked.push(code), caption: 'Test', unitLabel: 'Things', id: 'test-map',
    },
  );
  document.body.append(figure);
  figure.querySelector(`[data-code="${selected[0] || provinces[0].code}"]`).click();
  const cells = [...figure.querySelectorAll('button.map-cell')];
  const drawn = {
    codes: cells.map((c) => c.dataset.code),
    other: cells.filter((c) => c.closest('.map-others')).map((c) => c.dataset.code),
    pressed: cells.map((c) => c.getAttribute('aria-pressed')),
    picked,
    levels: cells.map((c) => [...c.classList].find((n) => n.startsWith('map-level-'))),
    colours: cells.map((c) => [c.dataset.code, getComputedStyle(c).color,
      getComputedStyle(c).backgroundColor]),
  };
  figure.remove();
  return drawn;
}"""


def cells(page: Page) -> dict[str, dict[str, Any]]:
    facts = page.locator(CELLS).evaluate_all(CELL_FACTS)
    codes = [cell["code"] for cell in facts]
    assert len(codes) == len(set(codes)), "a province has more than one cell"
    return {cell["code"]: cell for cell in facts}


def province_labels(server: str, lang: str) -> dict[str, str]:
    terms = api(server, "/vocabularies/province", lang=lang)["terms"]
    return {term["code"]: term["label"] for term in terms}


def province_counts(server: str, **filters: Any) -> dict[str, int]:
    body = api(server, "/service-stations/facets", facet="province", **filters)
    return {v["value"]: v["count"] for v in body["facets"]["province"]}


def listed(server: str, lang: str = "en", **filters: Any) -> list[str]:
    body = api(server, "/service-stations", sort=f"name_{lang}", limit=500, lang=lang, **filters)
    assert body["total"] == len(body["items"])
    return [s["slug"] for s in body["items"]]


def shown(page: Page) -> list[str]:
    rows = page.locator(".station-table tr.station")
    slugs: list[str] = rows.evaluate_all("els => els.map(e => e.dataset.slug)")
    assert page.get_attribute("#station-total", "data-total") == str(len(slugs))
    return slugs


def hash_params(page: Page) -> dict[str, list[str]]:
    return parse_qs(page.evaluate("location.hash").split("?", 1)[1])


def contrast(foreground: str, background: str) -> float:
    def luminance(rgb: str) -> float:
        channels = [int(c) / 255 for c in re.findall(r"\d+", rgb)[:3]]
        r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_every_province_has_one_cell_labelled_in_the_page_language(page: Page, server: str) -> None:
    for lang in ("zh", "en"):
        page.goto(f"{server}/#stations?lang={lang}")
        settle(page)
        labels = province_labels(server, lang)
        assert len(labels) == 34
        shown_cells = cells(page)
        assert set(shown_cells) == set(labels)
        for code, cell in shown_cells.items():
            # The full label is the accessible name; the cell shows its short form.
            assert cell["name"].startswith(labels[code]), (lang, code, cell["name"])
            assert cell["short"] and labels[code].startswith(cell["short"]), (code, cell)
            assert bool(HAN.search(cell["short"])) == (lang == "zh"), (lang, code, cell)
    assert shown_cells["CN-GX"]["short"] == "Guangxi"
    page.goto(f"{server}/#stations?lang=zh")
    settle(page)
    assert cells(page)["CN-GX"]["short"] == "广西"
    assert cells(page)["CN-HK"]["name"].startswith("香港特别行政区")


def test_cells_sit_roughly_where_the_provinces_are(page: Page, server: str) -> None:
    page.goto(f"{server}/#stations?lang=en")
    settle(page)
    at = {code: cell["box"] for code, cell in cells(page).items()}
    spots = {(round(b["x"]), round(b["y"])) for b in at.values()}
    assert len(spots) == len(at), "two cells drawn on one spot"
    x = {code: b["x"] for code, b in at.items()}
    y = {code: b["y"] for code, b in at.items()}
    assert x["CN-XJ"] == min(x.values())  # far west
    assert y["CN-HL"] == min(y.values()) and x["CN-HL"] == max(x.values())  # north-east
    assert y["CN-HI"] == max(y.values())  # south
    assert x["CN-TW"] > x["CN-FJ"] > x["CN-GD"] and y["CN-HK"] > y["CN-GD"]
    assert y["CN-BJ"] < y["CN-HE"] and x["CN-SH"] > x["CN-JS"]


def test_map_layout_places_every_code_and_still_draws_unknown_ones(page: Page, server: str) -> None:
    page.goto(f"{server}/#stations?lang=en")
    settle(page)
    codes = set(province_labels(server, "en"))
    layout = page.evaluate("async () => (await import('/explorer/static/map.js')).LAYOUT")
    assert set(layout) == codes
    assert len({tuple(place) for place in layout.values()}) == 34
    assert all(0 <= c < 8 and 0 <= r < 8 for c, r in layout.values())

    # A code the layout does not know (a vocabulary grown later) still gets its cell.
    drawn = page.evaluate(
        DRAW_MAP,
        [
            [{"code": "CN-GD", "label": "Guangdong"}, {"code": "CN-XX", "label": "Elsewhere"}],
            [["CN-XX", 3]],
            ["CN-XX"],
        ],
    )
    assert {k: drawn[k] for k in ("codes", "other", "pressed", "picked")} == {
        "codes": ["CN-GD", "CN-XX"],
        "other": ["CN-XX"],
        "pressed": ["false", "true"],
        "picked": ["CN-XX"],
    }


def test_every_colour_step_keeps_its_text_readable(page: Page, server: str) -> None:
    page.goto(f"{server}/#stations?lang=en")
    settle(page)
    # Counts 0 to 10 over eleven provinces reach every step of the palette.
    codes = ["CN-BJ", "CN-TJ", "CN-HE", "CN-SX", "CN-NM", "CN-LN", "CN-JL", "CN-HL", "CN-SH"]
    codes += ["CN-JS", "CN-ZJ"]
    drawn = page.evaluate(
        DRAW_MAP,
        [
            [{"code": code, "label": code} for code in codes],
            [[code, i] for i, code in enumerate(codes) if i],
            [],
        ],
    )
    assert sorted(set(drawn["levels"])) == [f"map-level-{i}" for i in range(6)]
    for code, foreground, background in drawn["colours"]:
        assert contrast(foreground, background) >= 4.5, (code, foreground, background)
    assert len({background for _, _, background in drawn["colours"]}) == 6


def test_cell_counts_colours_and_legend_follow_the_facets(page: Page, server: str) -> None:
    page.goto(f"{server}/#stations?lang=en")
    settle(page)
    counts = province_counts(server)
    shown_cells = cells(page)
    assert {code: cell["count"] for code, cell in shown_cells.items()} == {
        code: counts.get(code, 0) for code in shown_cells
    }
    assert 0 in counts.values() and max(counts.values()) > 1  # zero, low and high cells
    levels: dict[int, int] = {}
    for code, cell in shown_cells.items():
        # WCAG AA for the label and count on every colour, zero cells included.
        assert contrast(cell["color"], cell["background"]) >= 4.5, (code, cell)
        level = int(cell["level"].rsplit("-", 1)[1])
        assert (level == 0) == (cell["count"] == 0), (code, cell)
        levels[cell["count"]] = level
    # More stations, a darker step; the most get the darkest.
    assert [levels[n] for n in sorted(levels)] == sorted(levels.values())
    assert levels[max(levels)] == 5
    zero = next(cell for cell in shown_cells.values() if cell["count"] == 0)
    one = next(cell for cell in shown_cells.values() if cell["count"] == 1)
    assert zero["background"] != one["background"]
    keys = page.locator("#station-map .map-legend .map-key").all_inner_texts()
    assert keys[0] == "0 (none)" and keys[-1] == "Selected"
    assert "2" in keys


def test_clicking_a_cell_filters_the_stations(page: Page, server: str) -> None:
    page.goto(f"{server}/#stations?lang=en")
    settle(page)
    before = cells(page)
    everything = listed(server)
    assert shown(page) == everything
    code = max(before, key=lambda c: before[c]["count"])
    label = province_labels(server, "en")[code]

    page.click(f'{CELLS}[data-code="{code}"]')
    settle(page)
    assert hash_params(page)["province"] == [code]
    expected = listed(server, province=code)
    assert shown(page) == expected
    assert 0 < len(expected) < len(everything)
    assert set(page.locator(".station-table tr.station td:nth-child(2)").all_inner_texts()) == {
        label
    }
    after = cells(page)
    assert [c for c, cell in after.items() if cell["pressed"] == "true"] == [code]
    assert after[code]["outline"] != "none" and before[code]["outline"] == "none"
    assert after[code]["name"].endswith("(selected)")
    # The map keeps every province's count, so another can be added.
    assert {c: cell["count"] for c, cell in after.items()} == {
        c: cell["count"] for c, cell in before.items()
    }
    assert page.is_checked(f'input[name=province][value="{code}"]')

    # A second click takes the province off again.
    page.click(f'{CELLS}[data-code="{code}"]')
    settle(page)
    assert "province" not in hash_params(page)
    assert shown(page) == everything
    assert page.get_attribute(f'{CELLS}[data-code="{code}"]', "aria-pressed") == "false"


def test_cells_work_from_the_keyboard(page: Page, server: str) -> None:
    page.goto(f"{server}/#stations?lang=zh")
    settle(page)
    page.focus(f'{CELLS}[data-code="CN-GD"]')
    page.keyboard.press("Enter")
    settle(page)
    assert hash_params(page)["province"] == ["CN-GD"]
    assert shown(page) == listed(server, "zh", province="CN-GD")
    # Focus stays on the cell the view was drawn again around.
    assert page.evaluate("document.activeElement.dataset.code") == "CN-GD"
    assert page.get_attribute(f'{CELLS}[data-code="CN-GD"]', "aria-pressed") == "true"

    page.focus(f'{CELLS}[data-code="CN-ZJ"]')
    page.keyboard.press("Space")
    settle(page)
    assert hash_params(page)["province"] == ["CN-GD", "CN-ZJ"]
    both = listed(server, "zh", province=["CN-GD", "CN-ZJ"])
    assert shown(page) == both and len(both) == 2
    pressed = [c for c, cell in cells(page).items() if cell["pressed"] == "true"]
    assert sorted(pressed) == ["CN-GD", "CN-ZJ"]


def test_table_view_of_the_map_lists_the_same_numbers(page: Page, server: str) -> None:
    for lang, filters in (("en", {}), ("zh", {"kind": "municipal_detachment"})):
        query = "".join(f"{k}={v}&" for k, v in filters.items())
        page.goto(f"{server}/#stations?{query}lang={lang}")
        settle(page)
        page.click("#station-map details.map-table summary")
        rows = page.locator("#station-map .map-table tbody tr")
        table = {
            row.get_attribute("data-code"): (
                row.locator("th").inner_text(),
                row.locator("td").inner_text(),
            )
            for row in rows.all()
        }
        counts = province_counts(server, **filters)
        labels = province_labels(server, lang)
        assert table == {code: (labels[code], str(n)) for code, n in counts.items() if n > 0}
        assert table  # the table is not empty, so the check is not vacuous
        shown_cells = cells(page)
        assert {code: int(n) for code, (_, n) in table.items()} == {
            code: cell["count"] for code, cell in shown_cells.items() if cell["count"] > 0
        }
    assert len(table) < len([n for n in province_counts(server).values() if n > 0])


def csv_slugs(server: str, href: str) -> list[dict[str, str]]:
    export = httpx.get(f"{server}{href}", timeout=30)
    assert export.status_code == 200
    assert export.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(export.text.removeprefix("\ufeff"))))


def shown_filter_counts(page: Page, name: str) -> dict[str, int]:
    boxes = page.locator(f'.station-filters fieldset[data-facet="{name}"] input[type=checkbox]')
    return {
        box.get_attribute("value") or "": int(
            page.locator(f'label[for="{box.get_attribute("id")}"] .count').get_attribute(
                "data-count"
            )
            or -1
        )
        for box in boxes.all()
    }


def test_network_and_kind_filters_and_the_csv_link(page: Page, server: str) -> None:
    page.goto(f"{server}/#stations?lang=en")
    settle(page)
    facets = api(server, "/service-stations/facets", facet=["network", "kind"], lang="en")
    for name in ("network", "kind"):
        assert shown_filter_counts(page, name) == {
            v["value"]: v["count"] for v in facets["facets"][name] if v["count"] > 0
        }
    municipal = next(v for v in facets["facets"]["kind"] if v["value"] == "municipal_detachment")
    page.get_by_role("checkbox", name=f"{municipal['label']} ({municipal['count']})").check()
    settle(page)
    assert hash_params(page)["kind"] == ["municipal_detachment"]
    expected = listed(server, kind="municipal_detachment")
    assert shown(page) == expected and len(expected) == municipal["count"]
    assert {c: cell["count"] for c, cell in cells(page).items() if cell["count"]} == {
        c: n for c, n in province_counts(server, kind="municipal_detachment").items() if n
    }

    # Then a province on the map and the network, all three filters at once.
    page.click(f'{CELLS}[data-code="CN-HE"]')
    settle(page)
    page.locator('.station-filters input[name=network][value="emergency_volunteer_team"]').check()
    settle(page)
    filters = {
        "kind": ["municipal_detachment"],
        "province": ["CN-HE"],
        "network": ["emergency_volunteer_team"],
    }
    assert {k: v for k, v in hash_params(page).items() if k != "lang"} == filters
    expected = listed(server, **filters)
    assert shown(page) == expected and len(expected) == 2
    narrowed = api(server, "/service-stations/facets", facet=["network", "kind"], **filters)
    assert shown_filter_counts(page, "kind") == {
        v["value"]: v["count"]
        for v in narrowed["facets"]["kind"]
        if v["count"] > 0 or v["value"] in filters["kind"]
    }
    shoot(page, "stations-filtered-en")

    href = page.get_attribute("#station-csv", "href") or ""
    query = parse_qs(urlsplit(href).query)
    assert urlsplit(href).path == "/api/v1/service-stations"
    assert {k: query[k] for k in filters} == filters
    assert query["format"] == ["csv"] and query["labels"] == ["en"]
    assert not {"limit", "offset", "cursor"} & set(query)
    rows = csv_slugs(server, href)
    assert [r["slug"] for r in rows] == expected
    assert {r["kind"] for r in rows} == {municipal["label"]}  # labels, not codes

    page.click("#clear-station-filters")
    settle(page)
    assert set(hash_params(page)) == {"lang"}
    assert shown(page) == listed(server)
    assert page.is_disabled("#clear-station-filters")

    # The Chinese view's CSV carries the same filters, labelled in Chinese.
    page.goto(f"{server}/#stations?kind=provincial_detachment&lang=zh")
    settle(page)
    href = page.get_attribute("#station-csv", "href") or ""
    assert parse_qs(urlsplit(href).query)["labels"] == ["zh"]
    rows = csv_slugs(server, href)
    expected = listed(server, "zh", kind="provincial_detachment")
    assert shown(page) == [r["slug"] for r in rows] == expected
    assert {r["kind"] for r in rows} == {"省级支队"}


ENGLISH_VISIBLE = """() => {
  for (const d of document.querySelectorAll("details")) d.open = true;
  let text = [document.title, document.body.innerText].join("\\n");
  for (const el of document.querySelectorAll('[lang="zh-CN"]')) {
    text = text.split(el.innerText).join(" ");
  }
  for (const name of ["placeholder", "title", "aria-label"]) {
    for (const el of document.querySelectorAll(`[${name}]`)) text += "\\n" + el.getAttribute(name);
  }
  return text;
}"""


def test_each_language_stays_in_its_language(page: Page, server: str) -> None:
    # Chinese: no English beyond test_explorer's allowed names, with filters and the map's
    # table open (the unfiltered view is in test_explorer's list).
    page.goto(f"{server}/#stations?province=CN-HE&kind=municipal_detachment&lang=zh")
    settle(page)
    assert shown(page)
    assert latin_words(page) == []

    # English: Chinese only where marked as the Chinese name beside an English one.
    page.goto(f"{server}/#stations?province=CN-HE&lang=en")
    settle(page)
    assert page.locator('.station-table [lang="zh-CN"]').count() == len(shown(page))
    assert HAN.findall(page.evaluate(ENGLISH_VISIBLE)) == []


BROKEN_WORDS = """els => els.filter((e) => {
  const text = e.firstChild;
  if (!text || !e.getClientRects().length) return false;  // not shown at this width
  if (e.scrollWidth > e.clientWidth) return true;
  let at = 0;
  for (const word of text.textContent.split(" ")) {
    const range = document.createRange();
    range.setStart(text, at);
    range.setEnd(text, at + word.length);
    at += word.length + 1;
    if (range.getClientRects().length > 1) return true;
  }
  return false;
}).map((e) => e.textContent)"""


def test_screenshots_of_the_stations_view(browser: Browser, server: str) -> None:
    """Both languages at desktop and phone width; the page must not scroll sideways, and
    every cell of the map must be on screen, whole and apart from the others."""
    for width, height in ((1280, 900), (390, 844)):
        context = browser.new_context(viewport={"width": width, "height": height})
        tab = context.new_page()
        try:
            for lang in ("zh", "en"):
                tab.goto(f"{server}/#stations?lang={lang}")
                settle(tab)
                assert tab.evaluate("document.documentElement.scrollWidth - innerWidth") <= 0
                boxes = [cell["box"] for cell in cells(tab).values()]
                assert all(b["x"] >= 0 and b["x"] + b["width"] <= width for b in boxes)
                assert min(b["width"] for b in boxes) >= 30, (lang, width)
                # No cell breaks a word of its label across lines or clips it.
                assert tab.locator(f"{CELLS} span").evaluate_all(BROKEN_WORDS) == [], (lang, width)
                assert shoot(tab, f"stations-{lang}-{width}").stat().st_size > 0
        finally:
            context.close()
