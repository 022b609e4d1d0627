// The service-stations view: a map of stations per province, filters by network and kind, the
// matching stations as a table and as CSV. Its filters live in the URL hash
// (#stations?province=CN-GD&kind=municipal_detachment&lang=zh), as the programs view's do.
// ctx comes from explorer.js: {h, s, t, fmt, lang, api, allItems, names, nameLang, otherLang,
// hashFor, params, apiRoot}.

import { provinceMap } from "./map.js";

export const STATION_STRINGS = {
  zh: {
    stationsHint: "点击地图上的省份即可筛选站点，再次点击取消。",
    stationsMap: "各省份的服务站点数",
    stationsUnit: "服务站点数",
    stationsFilters: "筛选站点",
    stationsShown: (n, shown) => `共 ${shown} 个服务站点`,
    stationsNone: "没有符合条件的服务站点。",
    stationsName: "名称",
    stationsKind: "站点类型",
    stationsTable: "服务站点列表",
  },
  en: {
    stationsHint: "Click a province on the map to filter the stations; click it again to remove it.",
    stationsMap: "Service stations by province",
    stationsUnit: "Service stations",
    stationsFilters: "Filter stations",
    stationsShown: (n, shown) => (n === 1 ? "1 service station" : `${shown} service stations`),
    stationsNone: "No service stations match these filters.",
    stationsName: "Name",
    stationsKind: "Kind of station",
    stationsTable: "Service stations",
  },
};

const FILTERS = ["province", "network", "kind"];

function chosen(params) {
  const filters = new URLSearchParams();
  for (const name of FILTERS) for (const value of params.getAll(name)) if (value) filters.append(name, value);
  return filters;
}

export async function renderStations(ctx, main, isCurrent) {
  const { h, t, fmt, lang, api, allItems, hashFor } = ctx;
  const filters = chosen(ctx.params);
  const sort = lang() === "zh" ? "name_zh" : "name_en";
  const facetParams = new URLSearchParams(filters);
  for (const name of FILTERS) facetParams.append("facet", name);
  const [stations, facets, vocabulary] = await Promise.all([
    allItems("/service-stations", new URLSearchParams([...filters, ["sort", sort]])),
    api("/service-stations/facets", facetParams),
    api("/vocabularies/province"),
  ]);
  if (!isCurrent()) return false;

  const go = (next) => {
    location.hash = hashFor("stations", next);
  };
  const toggle = (name, value) => {
    const next = new URLSearchParams(filters);
    const values = next.getAll(name);
    next.delete(name);
    for (const v of values.includes(value) ? values.filter((v) => v !== value) : [...values, value]) next.append(name, v);
    go(next);
  };

  const csvParams = new URLSearchParams(filters);
  csvParams.set("sort", sort);
  csvParams.set("format", "csv");
  csvParams.set("labels", lang());

  const map = provinceMap(ctx, {
    provinces: vocabulary.terms.map((term) => ({ code: term.code, label: term.label })),
    counts: new Map(facets.facets.province.map((v) => [v.value, v.count])),
    selected: new Set(filters.getAll("province")),
    onSelect: (code) => toggle("province", code),
    caption: t("stationsMap"),
    unitLabel: t("stationsUnit"),
    id: "station-map",
  });

  const fieldset = (name, legend) => {
    const picked = new Set(filters.getAll(name));
    // As on the programs view: options nobody would match are left out unless chosen.
    // Provinces are chosen on the map; only the chosen ones are listed, to remove them.
    const shown = facets.facets[name].filter((v) => (name !== "province" && v.count > 0) || picked.has(v.value));
    return h(
      "fieldset",
      { class: "facet", dataset: { facet: name } },
      h("legend", {}, legend),
      h(
        "ul",
        {},
        shown.map((v) => {
          const id = `station-${name}-${v.value}`;
          return h(
            "li",
            {},
            h("input", { type: "checkbox", id, name, value: v.value, checked: picked.has(v.value), onchange: () => toggle(name, v.value) }),
            h("label", { for: id }, v.label, " ", h("span", { class: "count", dataset: { count: v.count } }, `(${fmt(v.count)})`)),
          );
        }),
      ),
    );
  };

  const form = h(
    "form",
    { class: "station-filters", id: "station-filters", "aria-labelledby": "station-filters-title", onsubmit: (event) => event.preventDefault() },
    h("h3", { id: "station-filters-title" }, t("stationsFilters")),
    fieldset("network", t("network")),
    fieldset("kind", t("stationsKind")),
    // The provinces chosen on the map, so each can be removed here too.
    filters.has("province") ? fieldset("province", t("province")) : null,
    h("button", { type: "button", id: "clear-station-filters", class: "secondary", disabled: !filters.toString(), onclick: () => go({}) }, t("clear")),
  );

  main.replaceChildren(
    h(
      "section",
      { class: "stations-view", "aria-labelledby": "stations-title" },
      h("h2", { id: "stations-title" }, t("stations")),
      h("p", { class: "hint" }, t("stationsHint")),
      // On a phone the filters fold behind the button, after the map.
      h("div", { class: "stations-top" }, map, ctx.filtersToggle("station-filters"), form),
      h(
        "div",
        { class: "results-head" },
        h("h3", { id: "station-total", dataset: { total: stations.length } }, t("stationsShown", stations.length, fmt(stations.length))),
        h("a", { id: "station-csv", class: "button", href: `${ctx.apiRoot}/service-stations?${csvParams}`, download: "service-stations.csv" }, t("csv")),
      ),
      stations.length ? stationTable(ctx, stations) : h("p", { class: "empty" }, t("stationsNone")),
    ),
  );
  return true;
}

function stationTable(ctx, stations) {
  const { h, t, names, nameLang, otherLang } = ctx;
  const head = [t("stationsName"), t("province"), t("network"), t("stationsKind"), t("city"), t("operator")];
  const row = (station) => {
    const [name, other] = names(station);
    const operator = station.operator;
    return h(
      "tr",
      { class: "station", dataset: { slug: station.slug, province: station.province ? station.province.code : "" } },
      h("th", { scope: "row" }, h("span", { lang: nameLang(station) }, name), other ? h("span", { class: "alt", lang: otherLang() }, other) : null),
      h("td", {}, station.province ? station.province.label : t("noProvince")),
      h("td", {}, station.network ? station.network.label : t("unknown")),
      h("td", {}, station.kind ? station.kind.label : t("unknown")),
      h("td", {}, station.city || "—"),
      h("td", {}, operator ? h("span", { lang: nameLang(operator) }, names(operator)[0]) : t("unknown")),
    );
  };
  return h(
    "div",
    // Focusable, so a keyboard can scroll it on a phone; named by the table's heading.
    { class: "table-scroll", tabindex: "0", role: "region", "aria-labelledby": "station-total" },
    h(
      "table",
      { class: "station-table", "aria-labelledby": "station-total" },
      h("thead", {}, h("tr", {}, head.map((cell) => h("th", { scope: "col" }, cell)))),
      h("tbody", {}, stations.map(row)),
    ),
  );
}
