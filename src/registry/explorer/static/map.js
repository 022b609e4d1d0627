// A tile-grid map of China's province-level divisions: one square per province at its rough
// place, so the page needs no geodata. It draws what it is given and owns no state.
//
//   provinceMap(ctx, { provinces, counts, selected, onSelect, caption, unitLabel, id })
//     ctx        {h, s, t, fmt, lang} from explorer.js (passed in, so no circular import)
//     provinces  [{code, label}]: the province vocabulary in the current language; every
//                code gets exactly one cell, codes missing from LAYOUT in a row below
//     counts     Map(code → number); a code not in it counts 0
//     selected   Set of codes, marked as pressed
//     onSelect   (code) => void, on click, Enter or Space on a cell
//     caption    the figure's caption; unitLabel names what is counted ("Service stations")
//     id         the figure's id (default "province-map"); cells get `${id}-${code}`, so the
//                explorer's re-render puts keyboard focus back on the cell that was used
//   Returns a <figure>: the grid of <button data-code data-count aria-pressed>, a legend and a
//   table view (province, count) of every province counted.
// MAP_STRINGS holds the map's own words, which explorer.js merges into its I18N; the styles
// are the "province map" block of explorer.css.

export const MAP_STRINGS = {
  zh: {
    mapLegend: "图例",
    mapZero: "0（无）",
    mapSelected: "已选",
    mapOther: "其他地区",
    mapTable: "以表格查看",
    mapProvince: "省级行政区",
    mapCell: (label, unit, count) => `${label}：${unit} ${count}`,
    mapCellSelected: "（已选）",
  },
  en: {
    mapLegend: "Legend",
    mapZero: "0 (none)",
    mapSelected: "Selected",
    mapOther: "Other areas",
    mapTable: "Show the map as a table",
    mapProvince: "Province",
    mapCell: (label, unit, count) => `${label}: ${unit} ${count}`,
    mapCellSelected: " (selected)",
  },
};

// [column, row] on an 8 × 8 grid, west to east and north to south.
export const LAYOUT = {
  "CN-HL": [7, 0],
  "CN-NM": [4, 1], "CN-BJ": [5, 1], "CN-LN": [6, 1], "CN-JL": [7, 1],
  "CN-XJ": [0, 2], "CN-NX": [3, 2], "CN-SX": [4, 2], "CN-HE": [5, 2], "CN-TJ": [6, 2],
  "CN-QH": [1, 3], "CN-GS": [2, 3], "CN-SN": [3, 3], "CN-HA": [4, 3], "CN-SD": [5, 3],
  "CN-XZ": [1, 4], "CN-SC": [2, 4], "CN-CQ": [3, 4], "CN-HB": [4, 4], "CN-AH": [5, 4], "CN-JS": [6, 4], "CN-SH": [7, 4],
  "CN-YN": [2, 5], "CN-GZ": [3, 5], "CN-HN": [4, 5], "CN-JX": [5, 5], "CN-ZJ": [6, 5],
  "CN-GX": [3, 6], "CN-GD": [4, 6], "CN-FJ": [6, 6], "CN-TW": [7, 6],
  "CN-HI": [3, 7], "CN-MO": [4, 7], "CN-HK": [5, 7],
};

const LEVELS = 5; // colour steps above zero, map-level-1 (light) to map-level-5 (dark)

export function shortLabel(label, lang) {
  // "广西壮族自治区" → "广西", "Hong Kong SAR" → "Hong Kong": fits a cell; the full label
  // stays in the cell's accessible name and in the table.
  if (lang === "zh") return label.replace(/(壮族|回族|维吾尔)?(自治区|特别行政区|省|市)$/, "") || label;
  return label.replace(/\s+SAR$/, "");
}

export function bins(max) {
  // Up to LEVELS ranges of counts from 1 to max, each with a colour level spread over the
  // palette so the largest count always gets the darkest colour.
  const tops = [...new Set(Array.from({ length: LEVELS }, (_, i) => Math.ceil((max * (i + 1)) / LEVELS)))].filter((n) => n > 0);
  return tops.map((top, i) => ({
    from: i ? tops[i - 1] + 1 : 1,
    to: top,
    level: tops.length === 1 ? LEVELS : 1 + Math.round((i * (LEVELS - 1)) / (tops.length - 1)),
  }));
}

export function provinceMap(ctx, { provinces, counts, selected = new Set(), onSelect, caption, unitLabel, id = "province-map" }) {
  const { h, t, fmt, lang } = ctx;
  const countOf = (code) => counts.get(code) || 0;
  const ranges = bins(Math.max(0, ...provinces.map((p) => countOf(p.code))));
  const levelOf = (n) => (n > 0 ? ranges.find((r) => n <= r.to).level : 0);
  const abbreviate = lang() !== "zh";

  const cell = (province) => {
    const n = countOf(province.code);
    const pressed = selected.has(province.code);
    const place = LAYOUT[province.code];
    return h(
      "button",
      {
        type: "button",
        id: `${id}-${province.code}`,
        class: ["map-cell", `map-level-${levelOf(n)}`, place ? `map-col-${place[0]} map-row-${place[1]}` : null].filter(Boolean).join(" "),
        "aria-pressed": String(pressed),
        "aria-label": t("mapCell", province.label, unitLabel, fmt(n)) + (pressed ? t("mapCellSelected") : ""),
        dataset: { code: province.code, count: n },
        onclick: () => onSelect(province.code),
      },
      h("span", { class: abbreviate ? "map-name abbreviated" : "map-name", "aria-hidden": "true" }, shortLabel(province.label, lang())),
      // English names do not fit a phone-sized cell; there the code stands in (see the CSS).
      abbreviate ? h("span", { class: "map-abbr", "aria-hidden": "true" }, province.code.replace(/^CN-/, "")) : null,
      h("span", { class: "map-count", "aria-hidden": "true" }, fmt(n)),
    );
  };

  const placed = provinces.filter((p) => LAYOUT[p.code]);
  const others = provinces.filter((p) => !LAYOUT[p.code]);
  const counted = provinces.filter((p) => countOf(p.code) > 0).sort((a, b) => countOf(b.code) - countOf(a.code));

  return h(
    "figure",
    { class: "province-map", id, "aria-labelledby": `${id}-caption` },
    h("figcaption", { id: `${id}-caption` }, caption),
    h("div", { class: "map-grid", role: "group", "aria-labelledby": `${id}-caption` }, placed.map(cell)),
    others.length
      ? h("div", { class: "map-others", role: "group", "aria-label": t("mapOther") }, others.map(cell))
      : null,
    h(
      "div",
      { class: "map-legend", role: "group", "aria-label": t("mapLegend") },
      h("span", { class: "map-legend-title" }, unitLabel),
      h("span", { class: "map-key" }, h("span", { class: "map-swatch map-level-0" }), t("mapZero")),
      ranges.map((r) =>
        h("span", { class: "map-key" }, h("span", { class: `map-swatch map-level-${r.level}` }), r.from === r.to ? fmt(r.to) : `${fmt(r.from)}–${fmt(r.to)}`),
      ),
      h("span", { class: "map-key" }, h("span", { class: "map-swatch map-swatch-selected" }), t("mapSelected")),
    ),
    h(
      "details",
      { class: "data-table map-table" },
      h("summary", {}, t("mapTable")),
      h(
        "table",
        {},
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("mapProvince")), h("th", { scope: "col" }, unitLabel))),
        h(
          "tbody",
          {},
          counted.map((p) =>
            h("tr", { dataset: { code: p.code, count: countOf(p.code) } }, h("th", { scope: "row" }, p.label), h("td", {}, fmt(countOf(p.code)))),
          ),
        ),
      ),
    ),
  );
}
