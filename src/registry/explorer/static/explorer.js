// The registry explorer. Every number and label it shows comes from the public API under
// /api/v1; this file only holds the interface's own words, in Chinese and English.
// The view lives in the URL hash (#programs?target_group=left_behind&lang=zh), so a
// filtered view can be bookmarked and shared.

import { ADMIN_I18N, renderAdmin } from "./admin.js";
import { MAP_STRINGS, provinceMap } from "./map.js";
import { STATION_STRINGS, renderStations as renderStationsView } from "./stations.js";

const API = "/api/v1";
const PAGE_SIZE = 20;
const FACETS = ["target_group", "intervention_type", "setting", "province"];
const VIEWS = ["programs", "program", "policies", "policy", "stations", "charts", "admin"];
const FACET_TOP = 8; // values a facet shows before "show all"
const SVG_NS = "http://www.w3.org/2000/svg";

const I18N = {
  zh: {
    htmlLang: "zh-CN",
    title: "心理健康服务登记库",
    docTitle: "心理健康服务登记库 · 浏览",
    tagline: "中国心理健康服务领域的项目、政策、服务站点与热线。",
    sections: "栏目",
    language: "语言",
    programs: "项目",
    policies: "政策时间线",
    stations: "服务站点",
    charts: "图表",
    footerNote: "本页所有数字均读取自公开数据接口。",
    footerDocs: "接口文档",
    loading: "正在加载…",
    loaded: "已加载。",
    failed: (detail) => `加载失败：${detail}`,
    filters: "筛选项目",
    search: "搜索",
    searchPlaceholder: "名称、描述或拼音",
    searchButton: "搜索",
    clear: "清除筛选",
    target_group: "服务对象",
    intervention_type: "干预类型",
    setting: "服务场景",
    province: "省份",
    facetHint: "括号内为选中该项后的项目数。",
    total: (n) => `共 ${fmt(n)} 个项目`,
    range: (from, to, n) => `第 ${from}–${to} 个，共 ${n} 个`,
    none: "没有符合条件的项目。",
    csv: "下载 CSV（当前筛选结果）",
    pages: "翻页",
    prev: "上一页",
    next: "下一页",
    pageOf: (p, n) => `第 ${p} / ${n} 页`,
    back: "← 返回结果列表",
    organization: "执行机构",
    kind: "机构类型",
    based: "所在地",
    founded: "成立年份",
    website: "网站",
    noWebsite: "未记录网站",
    facts: "项目信息",
    ecological_level: "生态层级",
    element: "干预要素",
    provinces: "服务省份",
    established: "创办年份",
    courseBased: "以课程为主",
    interviewed: "2024 扫描报告受访",
    yes: "是",
    no: "否",
    unknown: "未记录",
    partners: "合作方",
    noPartners: "未记录合作方。",
    links: "链接",
    recordJson: "本项目的接口记录（JSON）",
    orgJson: "执行机构的接口记录（JSON）",
    sourceJson: "来源文献的接口记录（JSON）",
    provenance: "来源与数据质量",
    source: "来源文献",
    locator: "在来源中的位置",
    publisher: "发布方",
    aboutSource: "来源简介",
    year: "年份",
    dataQuality: "数据质量说明",
    noNotes: "没有数据质量问题记录。",
    printed: "来源原文",
    recorded: "登记为",
    field: "字段",
    colon: "：",
    comma: "，",
    stop: "。",
    listSeparator: "、",
    paren: (text) => `（${text}）`,
    // Record fields that data-quality notes name (see seeds/*.yaml `field:`).
    fields: {
      aliases: "别名",
      base_value: "基数",
      cited_source: "引用来源",
      description_en: "英文简介",
      elements: "干预要素",
      established_year: "创办年份",
      hours_en: "英文服务时间",
      intervention_type: "干预类型",
      issuing_bodies: "发文机关",
      kind: "机构类型",
      launch_date: "开通日期",
      launch_year: "开通年份",
      name_en: "英文名称",
      name_zh: "中文名称",
      operator: "运营方",
      organization: "执行机构",
      period_label_en: "英文时段说明",
      province: "省份",
      provinces: "服务省份",
      settings: "服务场景",
      summary_en: "英文摘要",
      target_groups: "服务对象",
      title_zh: "中文标题",
      value: "数值",
      year: "年份",
    },
    policyTotal: (n) => `共 ${n} 份政策，按年份排列`,
    policyCount: (n) => `${fmt(n)} 份`,
    level: "层级",
    issuer: "发布机构",
    topics: "主题",
    noProvince: "未注明省份",
    network: "所属网络",
    operator: "运营方",
    city: "城市",
    chartIntervention: "项目的干预类型",
    chartTarget: "项目的服务对象",
    chartScope: (n) => `范围：2024 扫描报告的受访项目（${n} 个）。条形为登记库中占这些项目的比例；竖线为报告给出的比例，并注明其基数。`,
    registryShare: (count, total, share) => `登记库：${count} / ${total}（${share}%）`,
    statedShare: (share, base) => `报告：${share}%（基数：${base}）`,
    baseWith: (value, base) => `${value}，${base}`,
    otherBase: "两者基数不同，不宜直接比较",
    statedBase: "报告的基数",
    statedValue: "报告的比例",
    chartHotlines: "热线指标随时间变化",
    chartHotlinesNote: "每个序列取自热线指标接口，按日期排列。",
    stated: "报告",
    showData: "查看数据表",
    count: "数量",
    share: "占比",
    date: "日期",
    value: "数值",
    noSeries: "没有热线指标。",
    showAll: (n) => `显示全部 ${n} 项`,
    noOptions: "当前结果中没有可选项。",
    programMap: "项目分布图",
    programMapCaption: "各省份的项目数（按当前筛选条件）；点击省份即按该省筛选，再次点击取消。",
    showFewer: "收起",
    filterToggle: "筛选条件",
    pageCorrected: (asked, last) => `没有第 ${asked} 页；已显示最后一页（第 ${last} 页）。`,
    retry: "重试",
    matched: "匹配内容",
    hotlines: "热线",
    noHotlines: "未记录由本项目运营的热线。",
    hotlineHours: "服务时间",
    orgPrograms: "该机构的其他项目",
    noOrgPrograms: "登记库中没有该机构的其他项目。",
    policyFilters: "筛选政策",
    yearFrom: "起始年份",
    yearTo: "截止年份",
    anyLevel: "全部层级",
    topic: "主题",
    issuing_body: "发文机关",
    apply: "应用筛选",
    policyNone: "没有符合条件的政策。",
    policiesPerYear: "各年份的政策数",
    summary: "摘要",
    backToPolicies: "← 返回政策列表",
    policyJson: "本政策的接口记录（JSON）",
    policyCsv: "下载 CSV（当前筛选结果）",
    yearRange: "年份范围",
    policyDetail: "政策信息",
    singlePoint: "只有一个数据点，因此以数字显示，不绘制图表。",
    noTopics: "未记录主题",
  },
  en: {
    htmlLang: "en",
    title: "Mental-health services registry",
    docTitle: "Mental-health services registry · Explorer",
    tagline: "China's mental-health services: programs, policies, service stations and hotlines.",
    sections: "Sections",
    language: "Language",
    programs: "Programs",
    policies: "Policy timeline",
    stations: "Service stations",
    charts: "Charts",
    footerNote: "Every figure on this page is read from the public API.",
    footerDocs: "API documentation",
    loading: "Loading…",
    loaded: "Loaded.",
    failed: (detail) => `Could not load: ${detail}`,
    filters: "Filter programs",
    search: "Search",
    searchPlaceholder: "Name, description or pinyin",
    searchButton: "Search",
    clear: "Clear filters",
    target_group: "Target group",
    intervention_type: "Intervention type",
    setting: "Setting",
    province: "Province",
    facetHint: "In brackets: programs you would see with that option chosen.",
    total: (n) => (n === 1 ? "1 program" : `${fmt(n)} programs`),
    range: (from, to, n) => `${from}–${to} of ${n}`,
    none: "No programs match these filters.",
    csv: "Download CSV (this filtered list)",
    pages: "Pages",
    prev: "Previous",
    next: "Next",
    pageOf: (p, n) => `Page ${p} of ${n}`,
    back: "← Back to the results",
    organization: "Organization",
    kind: "Kind",
    based: "Based in",
    founded: "Founded",
    website: "Website",
    noWebsite: "No website recorded",
    facts: "About the program",
    ecological_level: "Ecological levels",
    element: "Elements",
    provinces: "Provinces served",
    established: "Established",
    courseBased: "Mainly courses",
    interviewed: "Interviewed for the 2024 mapping report",
    yes: "Yes",
    no: "No",
    unknown: "Not recorded",
    partners: "Partners",
    noPartners: "No partners recorded.",
    links: "Links",
    recordJson: "This program in the API (JSON)",
    orgJson: "The organization in the API (JSON)",
    sourceJson: "The source in the API (JSON)",
    provenance: "Provenance and data quality",
    source: "Source",
    locator: "Where in the source",
    publisher: "Publisher",
    aboutSource: "About the source",
    year: "Year",
    dataQuality: "Data-quality notes",
    noNotes: "No data-quality issues recorded.",
    printed: "Source printed",
    recorded: "recorded as",
    field: "Field",
    colon: ": ",
    comma: ", ",
    stop: ".",
    listSeparator: ", ",
    paren: (text) => ` (${text})`,
    fields: {
      aliases: "Aliases",
      base_value: "Base",
      cited_source: "Cited source",
      description_en: "English description",
      elements: "Elements",
      established_year: "Year established",
      hours_en: "Opening hours in English",
      intervention_type: "Intervention type",
      issuing_bodies: "Issuing bodies",
      kind: "Kind",
      launch_date: "Launch date",
      launch_year: "Launch year",
      name_en: "English name",
      name_zh: "Chinese name",
      operator: "Operator",
      organization: "Organization",
      period_label_en: "Period label in English",
      province: "Province",
      provinces: "Provinces served",
      settings: "Settings",
      summary_en: "English summary",
      target_groups: "Target groups",
      title_zh: "Chinese title",
      value: "Value",
      year: "Year",
    },
    policyTotal: (n) => `${n} policies, by year`,
    policyCount: (n) => (n === 1 ? "1 policy" : `${fmt(n)} policies`),
    level: "Level",
    issuer: "Issued by",
    topics: "Topics",
    noProvince: "Province not stated",
    network: "Network",
    operator: "Operator",
    city: "City",
    chartIntervention: "Programs by intervention type",
    chartTarget: "Programs by target group",
    chartScope: (n) => `Scope: the ${n} programs interviewed for the 2024 mapping report. Bars are the registry's share of them; a line marks the share the report states, with its base.`,
    registryShare: (count, total, share) => `registry: ${count} of ${total} (${share}%)`,
    statedShare: (share, base) => `report: ${share}% of ${base}`,
    baseWith: (value, base) => `${value} ${base}`,
    otherBase: "the two bases differ: not directly comparable",
    statedBase: "Report's base",
    statedValue: "Report's share",
    chartHotlines: "Hotline metrics over time",
    chartHotlinesNote: "Each series comes from /api/v1/hotline-metrics/series, in date order.",
    stated: "report",
    showData: "Show the data as a table",
    count: "Count",
    share: "Share",
    date: "Date",
    value: "Value",
    noSeries: "No hotline metrics recorded.",
    showAll: (n) => `Show all ${n}`,
    noOptions: "Nothing to choose among these results.",
    programMap: "Map of programs",
    programMapCaption: "Programs per province under the current filters; click a province to filter by it, again to clear it.",
    showFewer: "Show fewer",
    filterToggle: "Filters",
    pageCorrected: (asked, last) => `There is no page ${asked}; showing the last page (${last}).`,
    retry: "Try again",
    matched: "Match",
    hotlines: "Hotlines",
    noHotlines: "No hotline run by this program is recorded.",
    hotlineHours: "Hours",
    orgPrograms: "Other programs by this organization",
    noOrgPrograms: "The registry holds no other programs by this organization.",
    policyFilters: "Filter policies",
    yearFrom: "From year",
    yearTo: "To year",
    anyLevel: "Any level",
    topic: "Topic",
    issuing_body: "Issuing body",
    apply: "Apply filters",
    policyNone: "No policies match these filters.",
    policiesPerYear: "Policies per year",
    summary: "Summary",
    backToPolicies: "← Back to the policies",
    policyJson: "This policy's API record (JSON)",
    policyCsv: "Download CSV (these results)",
    yearRange: "Years",
    policyDetail: "About this policy",
    singlePoint: "One data point, so it is shown as a number rather than a chart.",
    noTopics: "No topic recorded",
  },
};

for (const strings of [ADMIN_I18N, MAP_STRINGS, STATION_STRINGS]) {
  for (const L of ["zh", "en"]) Object.assign(I18N[L], strings[L]);
}

// --- state -------------------------------------------------------------------------------

let route = parseHash();
let generation = 0; // a newer render makes an older one stop when its data arrives
let lastListHash = "#programs";

function parseHash() {
  const raw = location.hash.replace(/^#/, "");
  const [path, query = ""] = raw.split("?");
  const [view, ...rest] = path.split("/");
  const params = new URLSearchParams(query);
  return {
    view: VIEWS.includes(view) ? view : "programs",
    slug: rest.length ? decodeURIComponent(rest.join("/")) : null,
    params,
  };
}

function lang() {
  const chosen = route.params.get("lang");
  if (chosen === "zh" || chosen === "en") return chosen;
  return (navigator.language || "").toLowerCase().startsWith("zh") ? "zh" : "en";
}

function t(key, ...args) {
  const entry = I18N[lang()][key];
  return typeof entry === "function" ? entry(...args) : entry;
}

function fmt(n) {
  return new Intl.NumberFormat(lang() === "zh" ? "zh-CN" : "en").format(n);
}

function hashFor(view, params, slug = null) {
  const query = new URLSearchParams(params);
  query.set("lang", lang());
  const path = slug ? `${view}/${encodeURIComponent(slug)}` : view;
  return `#${path}?${query}`;
}

// --- DOM helpers -------------------------------------------------------------------------

function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  setAttrs(node, attrs);
  append(node, children);
  return node;
}

function s(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  setAttrs(node, attrs);
  append(node, children);
  return node;
}

function setAttrs(node, attrs) {
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
}

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

function nameField(record) {
  return "name_zh" in record || "name_en" in record ? "name" : "title";
}

function names(record) {
  // The name the API picked for the chosen language (it falls back to the other one). The
  // English view adds the Chinese name beside it, as the original; the Chinese view shows
  // the English name only when there is no Chinese one.
  const field = nameField(record);
  const zh = record[`${field}_zh`];
  const en = record[`${field}_en`];
  const shown = record[field] || (lang() === "zh" ? zh || en : en || zh);
  return [shown, lang() === "en" && zh && zh !== shown ? zh : null];
}

function nameLang(record) {
  return textLang(record, nameField(record));
}

function pick(record, field) {
  // For records that send only the pair (sources): the chosen language, else the other.
  const zh = record[`${field}_zh`];
  const en = record[`${field}_en`];
  return lang() === "zh" ? zh || en : en || zh;
}

function langOf(text) {
  // For text the API has in one language only: which script it is written in.
  const latin = /[A-Za-z]{2}/.test(text);
  const han = /[\u3400-\u9fff]/.test(text);
  if (latin && !han) return "en";
  if (han && !latin) return "zh-CN";
  return null;
}

function shownAliases(aliases) {
  // Aliases carry no language; the Chinese view leaves out those written only in Latin
  // script, as it leaves out the English name.
  return lang() === "zh" ? aliases.filter((alias) => /[\u3400-\u9fff]/.test(alias)) : aliases;
}

function textLang(record, field) {
  // The API falls back to the other language where one is missing; say which it sent.
  const zh = record[`${field}_zh`];
  return lang() === "zh" ? (zh ? "zh-CN" : "en") : record[`${field}_en`] ? "en" : "zh-CN";
}

function otherLang() {
  return lang() === "zh" ? "en" : "zh-CN";
}

function labels(terms) {
  return terms && terms.length ? terms.map((term) => term.label).join(t("listSeparator")) : t("unknown");
}

function yesNo(value) {
  return value ? t("yes") : t("no");
}

// --- API ---------------------------------------------------------------------------------

class ApiError extends Error {}

async function getJson(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    throw new ApiError(`${response.status} ${(body && (body.detail || body.title)) || ""}`);
  }
  return body;
}

function api(path, params = {}) {
  const query = new URLSearchParams(params);
  query.set("lang", lang());
  return getJson(`${API}${path}?${query}`);
}

async function allItems(path, params = {}) {
  // Follows `next` (keyset cursors) until the last page.
  const query = new URLSearchParams(params);
  query.set("lang", lang());
  query.set("limit", "500");
  query.set("count", "none");
  const items = [];
  let url = `${API}${path}?${query}`;
  while (url) {
    const page = await getJson(url);
    items.push(...page.items);
    // `next` is absolute; keep to this origin's path in case a proxy rewrote the host.
    const next = page.next ? new URL(page.next, location.href) : null;
    url = next ? next.pathname + next.search : null;
  }
  return items;
}

// --- chrome: language, tabs, status -------------------------------------------------------

function renderChrome() {
  const L = lang();
  document.documentElement.lang = I18N[L].htmlLang;
  const tab = LIST_OF[route.view] || route.view;
  document.title = I18N[L][tab] ? `${t(tab)} · ${t("title")}` : t("docTitle");
  document.getElementById("site-title").textContent = t("title");
  document.getElementById("site-tagline").textContent = t("tagline");
  document.getElementById("footer-note").textContent = t("footerNote");
  document.getElementById("footer-docs").textContent = t("footerDocs");
  document.getElementById("tabs").setAttribute("aria-label", t("sections"));
  document.querySelector(".lang-switch").setAttribute("aria-label", t("language"));
  for (const button of document.querySelectorAll(".lang-switch button")) {
    button.setAttribute("aria-pressed", String(button.dataset.lang === L));
  }
  const active = tab;
  for (const link of document.querySelectorAll("#tabs a")) {
    const view = link.dataset.view;
    link.textContent = t(view);
    link.href = view === "programs" ? withLang(lastListHash) : hashFor(view, {});
    if (view === active) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

function withLang(hash) {
  const [path, query = ""] = hash.replace(/^#/, "").split("?");
  const params = new URLSearchParams(query);
  params.set("lang", lang());
  return `#${path}?${params}`;
}

function setStatus(state, message) {
  document.body.dataset.state = state;
  const status = document.getElementById("status");
  status.textContent = message;
  status.classList.toggle("error", state === "error");
}

function switchLanguage(target) {
  const params = new URLSearchParams(route.params);
  params.set("lang", target);
  const path = location.hash.replace(/^#/, "").split("?")[0] || "programs";
  location.hash = `#${path}?${params}`;
}

// --- programs: search, facets, list, paging, CSV -----------------------------------------

function programFilters() {
  const filters = new URLSearchParams();
  for (const name of [...FACETS, "q"]) {
    for (const value of route.params.getAll(name)) if (value) filters.append(name, value);
  }
  return filters;
}

async function renderPrograms(main, current) {
  const filters = programFilters();
  const page = Math.max(1, Number.parseInt(route.params.get("page") || "1", 10) || 1);
  // Sorted by the name shown (pinyin for Chinese); a search sorts by relevance.
  const sort = filters.has("q") ? null : lang() === "zh" ? "name_zh" : "name_en";
  const listParams = new URLSearchParams(filters);
  if (sort) listParams.set("sort", sort);
  listParams.set("limit", String(PAGE_SIZE));
  if (page > 1) listParams.set("offset", String((page - 1) * PAGE_SIZE));
  const facetParams = new URLSearchParams(filters);
  for (const name of FACETS) facetParams.append("facet", name);
  const [list, facets, provinces] = await Promise.all([
    api("/programs", listParams),
    api("/programs/facets", facetParams),
    api("/vocabularies/province"),
  ]);
  if (current !== generation) return false;
  const pages = Math.max(1, Math.ceil(list.total / PAGE_SIZE));
  if (page > pages) {
    // A page past the end (an old link, or filters that now match fewer): show the last.
    const params = new URLSearchParams(route.params);
    params.delete("lang");
    if (pages > 1) params.set("page", String(pages));
    else params.delete("page");
    notice = t("pageCorrected", fmt(page), fmt(pages));
    location.replace(hashFor("programs", params));
    return false;
  }
  lastListHash = location.hash || "#programs";

  const csvParams = new URLSearchParams(filters);
  if (sort) csvParams.set("sort", sort);
  csvParams.set("format", "csv");
  csvParams.set("lang", lang());
  // For reading in a spreadsheet: labels and names in the page's language, not codes.
  csvParams.set("labels", lang());

  const form = h(
    "form",
    { class: "filters", id: "program-filters", role: "search", "aria-labelledby": "filters-title", onsubmit: applyFilters },
    h("h2", { id: "filters-title" }, t("filters")),
    h("label", { for: "q" }, t("search")),
    h(
      "div",
      { class: "search-row" },
      h("input", {
        id: "q",
        name: "q",
        type: "search",
        value: route.params.get("q") || "",
        placeholder: t("searchPlaceholder"),
        maxlength: 200,
      }),
      h("button", { type: "submit", id: "search-button" }, t("searchButton")),
    ),
    h("p", { class: "hint" }, t("facetHint")),
    FACETS.map((name) => facetFieldset(name, facets.facets[name] || [])),
    h("button", { type: "button", id: "clear-filters", class: "secondary", onclick: clearFilters }, t("clear")),
  );

  const first = list.total ? (page - 1) * PAGE_SIZE + 1 : 0;
  const last = (page - 1) * PAGE_SIZE + list.items.length;
  const results = h(
    "section",
    { class: "results", "aria-labelledby": "result-total" },
    h(
      "div",
      { class: "results-head" },
      h(
        "h2",
        { id: "result-total", dataset: { total: list.total } },
        t("total", list.total),
      ),
      h("a", { id: "csv-link", class: "button", href: `${API}/programs?${csvParams}`, download: `programs-${lang()}.csv` }, t("csv")),
    ),
    takeNotice(),
    programMap(provinces.terms, facets.facets.province || []),
    list.items.length ? h("p", { class: "range" }, t("range", fmt(first), fmt(last), fmt(list.total))) : null,
    list.items.length
      ? h("ol", { class: "program-list", start: first }, list.items.map(programItem))
      : h("p", { class: "empty" }, t("none")),
    pages > 1 ? pager(page, pages) : null,
  );
  main.replaceChildren(h("div", { class: "programs-view" }, filtersToggle("program-filters"), form, results));
  return true;
}

function programMap(terms, provinceFacet) {
  // Programs per province under the other filters; a cell adds or removes its province.
  const chosen = new Set(route.params.getAll("province"));
  return h(
    "details",
    { class: "program-map", open: true },
    h("summary", {}, t("programMap")),
    provinceMap(
      { h, s, t, fmt, lang },
      {
        provinces: terms.map((term) => ({ code: term.code, label: term.label })),
        counts: new Map(provinceFacet.map((v) => [String(v.value), v.count])),
        selected: chosen,
        onSelect: (code) => {
          const params = new URLSearchParams(route.params);
          params.delete("lang");
          params.delete("page");
          const kept = params.getAll("province").filter((c) => c !== code);
          params.delete("province");
          for (const c of kept) params.append("province", c);
          if (!chosen.has(code)) params.append("province", code);
          location.hash = hashFor("programs", params);
        },
        caption: t("programMapCaption"),
        unitLabel: t("programs"),
        id: "program-map",
      },
    ),
  );
}

function filtersToggle(formId) {
  // On a phone the filters wait behind this button, so the results come first.
  return h(
    "button",
    {
      type: "button",
      class: "filters-toggle secondary",
      "aria-controls": formId,
      "aria-expanded": "false",
      onclick: (event) => {
        const button = event.currentTarget;
        const open = button.getAttribute("aria-expanded") !== "true";
        button.setAttribute("aria-expanded", String(open));
        document.getElementById(formId).classList.toggle("open", open);
      },
    },
    t("filterToggle"),
  );
}

let notice = null; // a message for the next view drawn (a corrected page)

function takeNotice() {
  const text = notice;
  notice = null;
  return text ? h("p", { class: "notice", id: "notice", role: "note" }, text) : null;
}

function marked(snippet) {
  // The API marks matches with <mark> in otherwise plain text: build nodes, never HTML.
  return snippet.split(/(<mark>.*?<\/mark>)/).map((part) => {
    const match = /^<mark>(.*)<\/mark>$/.exec(part);
    return match ? h("mark", {}, match[1]) : part;
  });
}

function facetFieldset(name, values, onchange = applyFilters) {
  const chosen = new Set(route.params.getAll(name));
  // Options nobody would match are left out, unless chosen (so they can be unticked).
  const shown = values.filter((v) => v.count > 0 || chosen.has(String(v.value)));
  // The top values by count show at first; chosen ones always do; the rest behind a button.
  const top = new Set(
    [...shown].sort((a, b) => b.count - a.count).slice(0, FACET_TOP).map((v) => String(v.value)),
  );
  const hidden = shown.filter((v) => !top.has(String(v.value)) && !chosen.has(String(v.value)));
  const listId = `facet-${name}-list`;
  return h(
    "fieldset",
    { class: "facet", dataset: { facet: name } },
    h("legend", {}, t(name)),
    h(
      "ul",
      { id: listId, class: hidden.length ? "collapsed" : null },
      shown.map((v) => {
        const id = `facet-${name}-${v.value}`;
        return h(
          "li",
          { class: hidden.includes(v) ? "extra" : null },
          h("input", {
            type: "checkbox",
            id,
            name,
            value: v.value,
            checked: chosen.has(String(v.value)),
            onchange,
          }),
          h(
            "label",
            { for: id },
            v.label,
            " ",
            h("span", { class: "count", dataset: { count: v.count } }, `(${fmt(v.count)})`),
          ),
        );
      }),
    ),
    shown.length ? null : h("p", { class: "hint none" }, t("noOptions")),
    hidden.length
      ? h(
          "button",
          {
            type: "button",
            class: "link show-all",
            "aria-controls": listId,
            "aria-expanded": "false",
            dataset: { more: hidden.length },
            onclick: (event) => {
              const button = event.currentTarget;
              const open = button.getAttribute("aria-expanded") !== "true";
              button.setAttribute("aria-expanded", String(open));
              document.getElementById(listId).classList.toggle("collapsed", !open);
              button.textContent = open ? t("showFewer") : t("showAll", fmt(shown.length));
            },
          },
          t("showAll", fmt(shown.length)),
        )
      : null,
  );
}

function applyFilters(event) {
  event.preventDefault();
  const form = event.target.form || event.target;
  const params = new URLSearchParams();
  const q = form.elements.q.value.trim();
  if (q) params.set("q", q);
  for (const box of form.querySelectorAll("input[type=checkbox]:checked")) {
    params.append(box.name, box.value);
  }
  location.hash = hashFor("programs", params);
}

function clearFilters() {
  location.hash = hashFor("programs", {});
}

function programItem(program) {
  const [name, other] = names(program);
  const org = program.organization;
  const orgName = org ? names(org)[0] : null;
  return h(
    "li",
    { class: "program-item", dataset: { slug: program.slug } },
    h("h3", { lang: nameLang(program) }, h("a", { href: hashFor("program", {}, program.slug) }, name)),
    other ? h("p", { class: "alt", lang: otherLang() }, other) : null,
    h(
      "p",
      { class: "meta" },
      org ? h("span", { lang: nameLang(org) }, orgName) : null,
      program.intervention_type ? ` · ${program.intervention_type.label}` : null,
      program.established_year ? ` · ${program.established_year}` : null,
    ),
    program.target_groups.length
      ? h("ul", { class: "tags" }, program.target_groups.map((g) => h("li", {}, g.label)))
      : null,
    program.snippet
      ? h(
          "p",
          { class: "snippet", lang: langOf(program.snippet.replace(/<\/?mark>/g, "")) },
          h("span", { class: "visually-hidden" }, `${t("matched")}${t("colon")}`),
          marked(program.snippet),
        )
      : null,
  );
}

function pager(page, pages) {
  const go = (target) => () => {
    const params = new URLSearchParams(route.params);
    params.delete("lang");
    if (target > 1) params.set("page", String(target));
    else params.delete("page");
    location.hash = hashFor("programs", params);
  };
  return h(
    "nav",
    { class: "pager", "aria-label": t("pages") },
    h("button", { type: "button", id: "prev-page", disabled: page <= 1, onclick: go(page - 1) }, t("prev")),
    h("span", { id: "page-of" }, t("pageOf", fmt(page), fmt(pages))),
    h("button", { type: "button", id: "next-page", disabled: page >= pages, onclick: go(page + 1) }, t("next")),
  );
}

// --- one program -------------------------------------------------------------------------

async function renderProgram(main, current) {
  const program = await api(`/programs/${encodeURIComponent(route.slug)}`);
  const sourceKey = program.provenance.source && program.provenance.source.key;
  const [org, source, issues, hotlines, siblings] = await Promise.all([
    api(`/organizations/${encodeURIComponent(program.organization.slug)}`),
    sourceKey ? api(`/sources/${encodeURIComponent(sourceKey)}`) : null,
    api("/vocabularies/quality_issue"),
    // Only what the lists below show of each.
    allItems("/hotlines", { program_id: program.id, fields: "slug,name,name_zh,name_en,hours" }),
    allItems("/programs", {
      organization_id: program.organization.id,
      sort: lang() === "zh" ? "name_zh" : "name_en",
      fields: "slug,name,name_zh,name_en",
    }),
  ]);
  const others = siblings.filter((p) => p.slug !== program.slug);
  if (current !== generation) return false;
  const issueLabels = new Map(issues.terms.map((term) => [term.code, term.label]));
  const [name, other] = names(program);
  const [orgName, orgOther] = names(org);
  const aliases = shownAliases(program.aliases);

  const website = org.website
    ? h("a", { href: org.website, rel: "noopener noreferrer", target: "_blank" }, org.website)
    : t("noWebsite");
  const facts = [
    [t("intervention_type"), program.intervention_type ? program.intervention_type.label : t("unknown")],
    [t("target_group"), labels(program.target_groups)],
    [t("setting"), labels(program.settings)],
    [t("ecological_level"), labels(program.ecological_levels)],
    [t("element"), labels(program.elements)],
    [t("provinces"), labels(program.provinces)],
    [t("established"), program.established_year || t("unknown")],
    [t("courseBased"), yesNo(program.course_based)],
    [t("interviewed"), yesNo(program.interviewed)],
  ];

  main.replaceChildren(
    h(
      "article",
      { class: "program-detail", "aria-labelledby": "program-name", dataset: { slug: program.slug } },
      h("p", {}, h("a", { href: withLang(lastListHash), id: "back-link" }, t("back"))),
      h("h2", { id: "program-name", lang: nameLang(program) }, name),
      other ? h("p", { class: "alt", lang: otherLang() }, other) : null,
      aliases.length ? h("p", { class: "alt aliases" }, aliases.join(" · ")) : null,
      program.description ? h("p", { class: "description", lang: textLang(program, "description") }, program.description) : null,
      section("facts", t("facts"), definitionList(facts)),
      section(
        "organization",
        t("organization"),
        h("p", { class: "org-name" }, h("span", { lang: nameLang(org) }, orgName), orgOther ? h("span", { class: "alt", lang: otherLang() }, ` ${orgOther}`) : null),
        definitionList([
          [t("kind"), org.kind.label],
          [t("based"), [org.province ? org.province.label : null, org.city].filter(Boolean).join(" · ") || t("unknown")],
          [t("founded"), org.founded_year || t("unknown")],
          [t("website"), website],
        ]),
        org.description ? h("p", { class: "description", lang: textLang(org, "description") }, org.description) : null,
      ),
      section(
        "hotlines",
        t("hotlines"),
        hotlines.length
          ? h(
              "ul",
              { class: "hotline-list" },
              hotlines.map((line) =>
                h(
                  "li",
                  { dataset: { slug: line.slug } },
                  h("a", { href: `${API}/hotlines/${encodeURIComponent(line.slug)}`, lang: nameLang(line) }, names(line)[0]),
                  line.hours ? [t("paren", `${t("hotlineHours")}${t("colon")}${line.hours}`)] : null,
                ),
              ),
            )
          : h("p", {}, t("noHotlines")),
      ),
      section(
        "org-programs",
        t("orgPrograms"),
        others.length
          ? h(
              "ul",
              { class: "org-programs" },
              others.map((p) =>
                h("li", { dataset: { slug: p.slug } }, h("a", { href: hashFor("program", {}, p.slug), lang: nameLang(p) }, names(p)[0])),
              ),
            )
          : h("p", {}, t("noOrgPrograms")),
      ),
      section(
        "partners",
        t("partners"),
        program.partners.length
          ? h(
              "ul",
              {},
              program.partners.map((p) =>
                h("li", {}, h("span", { lang: nameLang(p.organization) }, names(p.organization)[0]), t("paren", p.role.label)),
              ),
            )
          : h("p", {}, t("noPartners")),
      ),
      section(
        "links",
        t("links"),
        h(
          "ul",
          {},
          org.website ? h("li", {}, `${t("website")}${t("colon")}`, website.cloneNode(true)) : null,
          h("li", {}, h("a", { href: `${API}/programs/${program.slug}` }, t("recordJson"))),
          h("li", {}, h("a", { href: `${API}/organizations/${org.slug}` }, t("orgJson"))),
          source ? h("li", {}, h("a", { href: `${API}/sources/${source.key}` }, t("sourceJson"))) : null,
        ),
      ),
      section("provenance", t("provenance"), provenance(program, source, issueLabels)),
    ),
  );
  return true;
}

function section(name, title, ...content) {
  const id = `section-${name}`;
  return h("section", { class: `block ${name}`, "aria-labelledby": id }, h("h3", { id }, title), content);
}

function definitionList(rows) {
  return h("dl", { class: "facts" }, rows.map(([term, value]) => [h("dt", {}, term), h("dd", {}, value)]));
}

function provenance(program, source, issueLabels) {
  const prov = program.provenance;
  const notes = prov.data_quality;
  const about = source && pick(source, "description");
  const publisher = source && pick(source, "publisher");
  return [
    definitionList([
      [t("source"), prov.source ? h("span", { lang: textLang(prov.source, "title") }, prov.source.title) : t("unknown")],
      [t("publisher"), publisher ? h("span", { lang: langOf(publisher) }, publisher) : t("unknown")],
      [t("year"), (source && source.year) || t("unknown")],
      about ? [t("aboutSource"), h("span", { lang: langOf(about) }, about)] : null,
      // The locator in the chosen language (the API falls back to the other one).
      [t("locator"), prov.locator ? h("span", { class: "locator", lang: langOf(prov.locator) }, prov.locator) : t("unknown")],
    ].filter(Boolean)),
    h("h4", {}, t("dataQuality")),
    notes.length
      ? h(
          "ul",
          { class: "quality-notes" },
          notes.map((note) =>
            h(
              "li",
              { dataset: { issue: note.issue } },
              h("strong", {}, issueLabels.get(note.issue) || note.issue),
              note.field ? t("paren", `${t("field")}${t("colon")}${fieldLabel(note.field)}`) : null,
              t("colon"),
              h("span", { class: "note", lang: textLang(note, "note") }, note.note),
              note.source_value || note.resolved_value
                ? h(
                    "span",
                    { class: "values" },
                    ` ${t("printed")}${t("colon")}“`,
                    // What the source printed, quoted as printed.
                    h("span", { class: "printed", lang: langOf(note.source_value || "") }, note.source_value || "—"),
                    `”${t("comma")}${t("recorded")}${t("colon")}“`,
                    h("span", { class: "recorded" }, recordedValue(note.resolved_value, program) || "—"),
                    `”${t("stop")}`,
                  )
                : null,
            ),
          ),
        )
      : h("p", {}, t("noNotes")),
  ];
}

function fieldLabel(field) {
  return t("fields")[field] || field;
}

function recordedValue(value, program) {
  // A note records codes and slugs (`arts`, `CN-GD`, an organization's slug); show the
  // labels and names the page shows for them. Anything else is shown as recorded.
  if (!value) return value;
  const known = new Map();
  // Also a policy's: whichever of these fields the record has.
  const terms = [
    program.intervention_type,
    program.level,
    program.province,
    ...(program.target_groups || []),
    ...(program.settings || []),
    ...(program.ecological_levels || []),
    ...(program.elements || []),
    ...(program.provinces || []),
    ...(program.topics || []),
    ...(program.issuing_bodies || []),
  ];
  for (const term of terms) if (term) known.set(term.code, term.label);
  const orgs = [program.organization, ...(program.partners || []).map((p) => p.organization)];
  for (const org of orgs) if (org) known.set(org.slug, names(org)[0]);
  const parts = value.split(/,\s*/);
  return parts.every((part) => known.has(part)) ? parts.map((part) => known.get(part)).join(t("listSeparator")) : value;
}

// --- policy timeline ---------------------------------------------------------------------

const POLICY_FACETS = ["topic", "issuing_body"];

function policyFilters() {
  const filters = new URLSearchParams();
  for (const name of ["year_min", "year_max", "level", ...POLICY_FACETS]) {
    for (const value of route.params.getAll(name)) if (value) filters.append(name, value);
  }
  return filters;
}

async function renderPolicies(main, current) {
  const filters = policyFilters();
  const facetParams = new URLSearchParams(filters);
  for (const name of ["level", ...POLICY_FACETS, "year"]) facetParams.append("facet", name);
  const listParams = new URLSearchParams(filters);
  listParams.set("sort", "year,title_zh");
  const [policies, facets, everyYear] = await Promise.all([
    allItems("/policies", listParams),
    api("/policies/facets", facetParams),
    api("/policies/facets", { facet: "year" }),
  ]);
  if (current !== generation) return false;
  const byYear = new Map();
  for (const policy of policies) {
    const key = policy.year ?? "—";
    if (!byYear.has(key)) byYear.set(key, []);
    byYear.get(key).push(policy);
  }
  const counts = new Map(facets.facets.year.map((v) => [v.value, v.count]));
  const years = everyYear.facets.year.map((v) => Number(v.value)).sort((x, y) => x - y);
  const csvParams = new URLSearchParams(listParams);
  csvParams.set("format", "csv");
  csvParams.set("labels", lang());

  const yearSelect = (name, label) =>
    h(
      "div",
      { class: "field" },
      h("label", { for: `policy-${name}` }, label),
      h(
        "select",
        { id: `policy-${name}`, name, onchange: applyPolicyFilters },
        h("option", { value: "" }, "—"),
        years.map((year) => h("option", { value: year, selected: route.params.get(name) === String(year) }, year)),
      ),
    );
  const form = h(
    "form",
    { class: "filters", id: "policy-filters", "aria-labelledby": "policy-filters-title", onsubmit: applyPolicyFilters },
    h("h2", { id: "policy-filters-title" }, t("policyFilters")),
    h(
      "fieldset",
      { class: "year-range" },
      h("legend", {}, t("yearRange")),
      yearSelect("year_min", t("yearFrom")),
      yearSelect("year_max", t("yearTo")),
    ),
    h(
      "div",
      { class: "field" },
      h("label", { for: "policy-level" }, t("level")),
      h(
        "select",
        { id: "policy-level", name: "level", onchange: applyPolicyFilters },
        h("option", { value: "" }, t("anyLevel")),
        facets.facets.level.map((v) =>
          h("option", { value: v.value, selected: route.params.get("level") === v.value }, `${v.label} (${fmt(v.count)})`),
        ),
      ),
    ),
    POLICY_FACETS.map((name) => facetFieldset(name, facets.facets[name] || [], applyPolicyFilters)),
    h("button", { type: "button", id: "clear-policy-filters", class: "secondary", onclick: () => (location.hash = hashFor("policies", {})) }, t("clear")),
  );

  const results = h(
    "section",
    { class: "results timeline-view", "aria-labelledby": "policies-title" },
    h(
      "div",
      { class: "results-head" },
      h("h2", { id: "policies-title", dataset: { total: facets.total } }, t("policyTotal", fmt(facets.total))),
      h("a", { id: "policy-csv-link", class: "button", href: `${API}/policies?${csvParams}`, download: `policies-${lang()}.csv` }, t("policyCsv")),
    ),
    policies.length ? yearChart(facets.facets.year) : null,
    policies.length
      ? h(
          "ol",
          { class: "timeline" },
          [...byYear].map(([year, items]) =>
            h(
              "li",
              { class: "year", dataset: { year } },
              h(
                "h3",
                {},
                h("span", { class: "year-label" }, year),
                " ",
                h("span", { class: "count" }, t("policyCount", counts.get(year) ?? items.length)),
              ),
              h("ul", { class: "policies" }, items.map(policyItem)),
            ),
          ),
        )
      : h("p", { class: "empty" }, t("policyNone")),
  );
  main.replaceChildren(h("div", { class: "programs-view policies-view" }, filtersToggle("policy-filters"), form, results));
  return true;
}

function applyPolicyFilters(event) {
  event.preventDefault();
  const form = event.target.form || event.target;
  const params = new URLSearchParams();
  for (const name of ["year_min", "year_max", "level"]) {
    const value = form.elements[name].value;
    if (value) params.set(name, value);
  }
  for (const box of form.querySelectorAll("input[type=checkbox]:checked")) params.append(box.name, box.value);
  location.hash = hashFor("policies", params);
}

function yearChart(yearFacet) {
  // Policies per year under the filters: a column per year from the first to the last.
  const counts = new Map(yearFacet.filter((v) => v.count > 0).map((v) => [Number(v.value), v.count]));
  const years = [...counts.keys()].sort((x, y) => x - y);
  const rows = [];
  for (let year = years[0]; year <= years[years.length - 1]; year++) rows.push([year, counts.get(year) || 0]);
  const id = "chart-policy-years";
  const title = t("policiesPerYear");
  if (rows.length === 1) return singleFigure(id, title, `${rows[0][0]}`, rows[0][1]);
  const width = chartWidth();
  const bars = rows.map(([year, count]) => ({
    value: count,
    labels: [year],
    tip: `${year}: ${t("policyCount", count)}`,
    spoken: `${year} ${fmt(count)}`,
    data: { "data-year": year, "data-value": count },
  }));
  const labelEvery = Math.ceil(rows.length / Math.max(1, Math.floor(width / 44)));
  return chartFrame(
    id,
    title,
    columnChart(id, title, bars, { width, height: 180, top: 18, bottom: 28, labelEvery }),
    dataTable([t("year"), t("count")], rows.filter((r) => r[1]).map(([year, count]) => [year, fmt(count)])),
  );
}

function columnChart(id, title, bars, { width, height, top, bottom, labelEvery = 1 }) {
  // A column per bar, its value above it and its label lines below the axis; a zero has no
  // column. bars: [{ value, labels: [line…], tip, spoken, data: {attribute: value} }].
  const margin = 10;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const slot = (width - 2 * margin) / Math.max(bars.length, 1);
  const column = Math.min(80, slot * 0.7);
  const svg = s("svg", { viewBox: `0 0 ${width} ${height}`, width: "100%", role: "img", "aria-labelledby": `${id}-svg-title`, class: "columns" });
  svg.append(s("title", { id: `${id}-svg-title` }, `${title}: ${bars.filter((b) => b.value).map((b) => b.spoken).join("; ")}`));
  svg.append(s("line", { x1: margin, x2: width - margin, y1: height - bottom, y2: height - bottom, class: "axis" }));
  bars.forEach((bar, i) => {
    const x = margin + i * slot + (slot - column) / 2;
    const middle = x + column / 2;
    const barHeight = bar.value ? Math.max(2, (bar.value / max) * (height - top - bottom)) : 0;
    const y = height - bottom - barHeight;
    svg.append(
      s("rect", { x, y, width: column, height: barHeight, rx: 2, class: "bar", ...bar.data }, s("title", {}, bar.tip)),
      bar.value ? s("text", { x: middle, y: y - 5, class: "bar-value", "text-anchor": "middle" }, fmt(bar.value)) : null,
      i % labelEvery === 0
        ? bar.labels.filter(Boolean).map((line, j) =>
            s("text", { x: middle, y: height - bottom + 16 * (j + 1), class: "axis-label", "text-anchor": "middle" }, line),
          )
        : null,
    );
  });
  return svg;
}

function chartFrame(id, title, graphic, table) {
  return h(
    "figure",
    { class: "chart", id, "aria-labelledby": `${id}-caption` },
    h("figcaption", { id: `${id}-caption` }, title),
    graphic,
    table,
  );
}

function singleFigure(id, title, when, value) {
  // One data point is a number, not a chart.
  return h(
    "figure",
    { class: "chart single", id, "aria-labelledby": `${id}-caption` },
    h("figcaption", { id: `${id}-caption` }, title),
    h("p", { class: "big-number", dataset: { value } }, fmt(value)),
    h("p", { class: "when" }, when),
    h("p", { class: "hint" }, t("singlePoint")),
  );
}

async function renderPolicy(main, current) {
  const policy = await api(`/policies/${encodeURIComponent(route.slug)}`);
  const sourceKey = policy.provenance.source && policy.provenance.source.key;
  const [source, issues] = await Promise.all([
    sourceKey ? api(`/sources/${encodeURIComponent(sourceKey)}`) : null,
    api("/vocabularies/quality_issue"),
  ]);
  if (current !== generation) return false;
  const issueLabels = new Map(issues.terms.map((term) => [term.code, term.label]));
  const [title, other] = names(policy);
  main.replaceChildren(
    h(
      "article",
      { class: "program-detail policy-detail", "aria-labelledby": "policy-title", dataset: { slug: policy.slug } },
      h("p", {}, h("a", { href: hashFor("policies", {}), id: "back-link" }, t("backToPolicies"))),
      h("h2", { id: "policy-title", lang: nameLang(policy) }, title),
      other ? h("p", { class: "alt", lang: otherLang() }, other) : null,
      policy.summary ? h("p", { class: "description", lang: textLang(policy, "summary") }, policy.summary) : null,
      section(
        "facts",
        t("policyDetail"),
        definitionList([
          [t("year"), policy.date || policy.year],
          [t("level"), [policy.level && policy.level.label, policy.province && policy.province.label].filter(Boolean).join(" · ")],
          [t("issuer"), policy.issuer ? h("span", { lang: textLang(policy, "issuer") }, policy.issuer) : t("unknown")],
          [t("issuing_body"), labels(policy.issuing_bodies)],
          [t("topics"), policy.topics.length ? labels(policy.topics) : t("noTopics")],
        ]),
      ),
      section("links", t("links"), h("ul", {}, h("li", {}, h("a", { href: `${API}/policies/${policy.slug}` }, t("policyJson"))))),
      section("provenance", t("provenance"), provenance(policy, source, issueLabels)),
    ),
  );
  return true;
}

function policyItem(policy) {
  const [title, other] = names(policy);
  const where = [policy.level && policy.level.label, policy.province && policy.province.label]
    .filter(Boolean)
    .join(" · ");
  return h(
    "li",
    { class: "policy", dataset: { slug: policy.slug } },
    h("p", { class: "policy-title", lang: nameLang(policy) }, h("a", { href: hashFor("policy", {}, policy.slug) }, title)),
    other ? h("p", { class: "alt", lang: otherLang() }, other) : null,
    h(
      "p",
      { class: "meta" },
      where,
      policy.issuer ? [` · ${t("issuer")}${t("colon")}`, h("span", { lang: textLang(policy, "issuer") }, policy.issuer)] : null,
      policy.date ? ` · ${policy.date}` : null,
    ),
    policy.topics.length ? h("ul", { class: "tags" }, policy.topics.map((topic) => h("li", {}, topic.label))) : null,
  );
}

// --- service stations: see stations.js, which draws the map from map.js ------------------

function renderStations(main, current) {
  const ctx = { h, s, t, fmt, lang, api, allItems, names, nameLang, otherLang, hashFor, filtersToggle, params: route.params, apiRoot: API };
  return renderStationsView(ctx, main, () => current === generation);
}

// --- charts ------------------------------------------------------------------------------

async function renderCharts(main, current) {
  const [stats, series] = await Promise.all([api("/stats"), api("/hotline-metrics/series")]);
  if (current !== generation) return false;
  // Shares against shares: the registry's count as a share of its population, and each
  // figure the report states as a share of its own base, named.
  const groupRows = (group) =>
    group.rows
      .filter((row) => row.count > 0 || row.stated.length)
      .map((row) => ({
        code: row.value,
        label: row.label,
        value: row.share ?? 0,
        count: row.count,
        total: group.total,
        stated: row.stated.filter((f) => f.share !== null),
      }));
  main.replaceChildren(
    h(
      "section",
      { class: "charts-view" },
      h("h2", {}, t("charts")),
      h("p", { class: "hint" }, t("chartScope", fmt(stats.programs_by_intervention_type.total))),
      chartFigure("chart-intervention", t("chartIntervention"), t("intervention_type"), groupRows(stats.programs_by_intervention_type)),
      chartFigure("chart-target", t("chartTarget"), t("target_group"), groupRows(stats.programs_by_target_group)),
      h(
        "section",
        { class: "block", "aria-labelledby": "hotlines-title" },
        h("h3", { id: "hotlines-title" }, t("chartHotlines")),
        h("p", { class: "hint" }, t("chartHotlinesNote")),
        series.length ? series.map((one, i) => seriesFigure(`chart-series-${i}`, one)) : h("p", {}, t("noSeries")),
      ),
    ),
  );
  return true;
}

function baseText(f) {
  const base = f.base || t("unknown");
  return f.base_value !== null ? t("baseWith", fmt(f.base_value), base) : base;
}

function statedNote(row) {
  if (!row.stated.length) return null;
  return row.stated
    .map((f) => t("statedShare", fmt(f.share), baseText(f)) + (f.same_base ? "" : `${lang() === "zh" ? "；" : "; "}${t("otherBase")}`))
    .join(" · ");
}

function chartFigure(id, title, category, rows) {
  return chartFrame(
    id,
    title,
    barChart(id, title, rows),
    dataTable(
      [category, t("count"), t("share"), t("statedValue"), t("statedBase")],
      rows.map((r) => [
        r.label,
        `${fmt(r.count)} / ${fmt(r.total)}`,
        `${fmt(r.value)}%`,
        r.stated.map((f) => `${fmt(f.share)}%`).join(" · "),
        r.stated.map((f) => baseText(f) + (f.same_base ? "" : t("paren", t("otherBase")))).join(" · "),
      ]),
    ),
  );
}

function chartWidth() {
  // Drawn at the width it is shown at (within limits), so its text keeps its size on a phone.
  const main = document.getElementById("main");
  const style = getComputedStyle(main);
  const inner = main.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  // Less the chart panel's own padding and border.
  return Math.round(Math.min(640, Math.max(260, inner - 44)));
}

function wrap(text, width, fontSize) {
  // Lines that fit `width`, by an estimate of each character's width (SVG text does not wrap).
  const wide = (ch) => /[\u2e80-\uffef]/.test(ch);
  const measure = (str) => [...str].reduce((sum, ch) => sum + (wide(ch) ? 1 : 0.56) * fontSize, 0);
  const tokens = text.match(/[\u2e80-\uffef][，。；：、）》”]*|[^\s\u2e80-\uffef]+\s*|\s+/g) || [];
  const lines = [];
  let line = "";
  for (const token of tokens) {
    if (line && measure(line + token.trimEnd()) > width) {
      lines.push(line.trimEnd());
      line = token.trimStart();
    } else {
      line += token;
    }
  }
  if (line.trim()) lines.push(line.trimEnd());
  return lines;
}

function barChart(id, title, rows) {
  // Horizontal bars, each label on its own line above its bar so long labels never clip;
  // the stated figures' note below the bar, wrapped to the chart's width.
  const width = chartWidth();
  const barMax = width - 190;
  const max = 100; // shares, so every bar and every stated line is on one scale
  const noteSize = 11;
  const svg = s("svg", {
    width: "100%",
    role: "img",
    "aria-labelledby": `${id}-svg-title`,
    class: "bars",
  });
  svg.append(s("title", { id: `${id}-svg-title` }, `${title}: ${rows.map((r) => `${r.label} ${fmt(r.value)}%`).join("; ")}`));
  let y = 0;
  for (const row of rows) {
    const w = Math.max(row.value > 0 ? 2 : 0, (row.value / max) * barMax);
    const own = t("registryShare", fmt(row.count), fmt(row.total), fmt(row.value));
    const lineAt = (f) => (Math.min(f.share, max) / max) * barMax;
    // The registry's figure goes right of the bar and of any stated line, so none covers it.
    const ownAt = Math.max(w, ...row.stated.map(lineAt)) + 6;
    const g = s("g", { class: "bar-row", "data-code": row.code });
    svg.append(g);
    g.append(
      s("text", { x: 0, y: y + 14, class: "bar-label" }, row.label),
      s("rect", { x: 0, y: y + 20, width: w, height: 16, rx: 2, class: "bar", "data-value": row.value },
        s("title", {}, `${row.label}: ${own}`)),
      s("text", { x: ownAt, y: y + 33, class: "bar-value" }, own),
    );
    for (const f of row.stated) {
      const x = lineAt(f);
      g.append(
        s("line", { x1: x, x2: x, y1: y + 17, y2: y + 39, class: f.same_base ? "stated" : "stated other-base", "data-share": f.share },
          s("title", {}, t("statedShare", fmt(f.share), baseText(f)) + (f.same_base ? "" : ` — ${t("otherBase")}`))),
      );
    }
    const note = statedNote(row);
    const lines = note ? wrap(note, width - 8, noteSize) : [];
    if (lines.length) {
      g.append(
        s(
          "text",
          { x: 0, y: y + 52, class: "bar-note" },
          lines.map((line, i) => s("tspan", { x: 0, dy: i ? noteSize + 3 : 0 }, line)),
        ),
      );
    }
    y += 46 + lines.length * (noteSize + 3) + (lines.length ? 4 : 0);
  }
  svg.setAttribute("viewBox", `0 0 ${width} ${y + 4}`);
  return svg;
}

function seriesFigure(id, one) {
  const title = `${names(one.hotline)[0]} — ${one.metric.label}${t("paren", one.unit.label)}`;
  const points = one.points;
  if (points.length === 1) {
    const p = points[0];
    return singleFigure(id, title, p.period_label ? `${p.date}${t("paren", p.period_label)}` : p.date, p.value);
  }
  const bars = points.map((p) => ({
    value: p.value,
    labels: [p.date, p.period_label],
    tip: `${p.period_label || p.date}: ${fmt(p.value)}`,
    spoken: `${p.date} ${fmt(p.value)}`,
    data: { "data-value": p.value },
  }));
  return chartFrame(
    id,
    title,
    columnChart(id, title, bars, { width: chartWidth(), height: 220, top: 24, bottom: 40 }),
    dataTable([t("date"), t("value")], points.map((p) => [p.period_label ? `${p.date} (${p.period_label})` : p.date, fmt(p.value)])),
  );
}

function dataTable(head, rows) {
  return h(
    "details",
    { class: "data-table" },
    h("summary", {}, t("showData")),
    h(
      "table",
      {},
      h("thead", {}, h("tr", {}, head.map((cell) => h("th", { scope: "col" }, cell)))),
      h("tbody", {}, rows.map((row) => h("tr", {}, row.map((cell) => h("td", {}, cell))))),
    ),
  );
}

// --- router ------------------------------------------------------------------------------

// A detail view, and the list (and tab) it belongs to.
const LIST_OF = { program: "programs", policy: "policies" };

const RENDERERS = {
  programs: renderPrograms,
  program: renderProgram,
  policies: renderPolicies,
  policy: renderPolicy,
  stations: renderStations,
  charts: renderCharts,
  admin: (main, current) =>
    renderAdmin(main, {
      h, t, lang, api, getJson, allItems, hashFor, API, route,
      stale: () => current !== generation,
      rerender: render,
    }),
};

async function render() {
  route = parseHash();
  const current = ++generation;
  const main = document.getElementById("main");
  // Keep keyboard focus on the control that changed the view, if it is drawn again.
  const focused = document.activeElement && document.activeElement.id;
  renderChrome();
  setStatus("loading", t("loading"));
  main.setAttribute("aria-busy", "true");
  try {
    const view = LIST_OF[route.view] && !route.slug ? LIST_OF[route.view] : route.view;
    const done = await RENDERERS[view](main, current);
    if (!done || current !== generation) return;
    renderChrome();
    main.dataset.hash = location.hash;
    main.dataset.view = view;
    main.removeAttribute("aria-busy");
    // Nothing to say once drawn: the status line is for loading and errors only.
    setStatus("ready", "");
    const again = focused && document.getElementById(focused);
    if (again) again.focus();
    else if (view in LIST_OF) {
      // A detail opens at the top of the page, header and language switch in view.
      window.scrollTo(0, 0);
      main.focus({ preventScroll: true });
    }
  } catch (error) {
    if (current !== generation) return;
    main.removeAttribute("aria-busy");
    main.dataset.hash = location.hash;
    // The old results go: what stays on screen must be what the page says it is.
    main.replaceChildren(
      h(
        "div",
        { class: "failed" },
        h("p", {}, t("failed", error.message)),
        h("button", { type: "button", id: "retry", onclick: render }, t("retry")),
      ),
    );
    setStatus("error", t("failed", error.message));
  }
}

for (const button of document.querySelectorAll(".lang-switch button")) {
  button.addEventListener("click", () => switchLanguage(button.dataset.lang));
}
window.addEventListener("hashchange", render);
render();
