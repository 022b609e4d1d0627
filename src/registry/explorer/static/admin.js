// The admin tab: add and correct programs and organizations through the write API, and read
// a record's history. The token lives in this tab's sessionStorage only, so it goes when the
// tab closes and never reaches the URL, a bookmark or another tab.

const TOKEN_KEY = "registry.adminToken";
const TASKS = ["new-program", "new-organization", "edit"];
const RESOURCES = { program: "programs", organization: "organizations" };
// Create schemas in the OpenAPI document: which fields take codes, and which are lists.
const SCHEMAS = { program: "ProgramCreate", organization: "OrganizationCreateRequest" };
// The fields the forms offer, in order; the rest (partners, sources, notes…) stay API-only.
const FORM_FIELDS = {
  program: [
    "name_zh", "name_en", "slug", "organization", "intervention_type", "target_groups", "settings",
    "ecological_levels", "elements", "provinces", "established_year", "course_based", "interviewed",
    "description_zh", "description_en",
  ],
  organization: [
    "name_zh", "name_en", "slug", "kind", "province", "city_zh", "city_en", "founded_year",
    "website", "description_zh", "description_en",
  ],
};
const LONG_TEXT = 1000; // strings allowed past this length get a textarea

const FIELD_LABELS = {
  zh: {
    name_zh: "中文名称",
    name_en: "英文名称",
    slug: "网址标识",
    organization: "执行机构",
    intervention_type: "干预类型",
    target_groups: "服务对象",
    settings: "服务场景",
    ecological_levels: "生态层级",
    elements: "干预要素",
    provinces: "服务省份",
    established_year: "创办年份",
    course_based: "以课程为主",
    interviewed: "2024 扫描报告受访",
    description_zh: "中文简介",
    description_en: "英文简介",
    kind: "机构类型",
    province: "所在省份",
    city_zh: "所在城市（中文）",
    city_en: "所在城市（英文）",
    founded_year: "成立年份",
    website: "网站",
    aliases: "别名",
    components: "子项目",
    partners: "合作方",
    source: "来源文献",
    locator_zh: "在来源中的位置（中文）",
    locator_en: "在来源中的位置（英文）",
    data_quality: "数据质量说明",
    deleted_at: "删除时间",
  },
  en: {
    name_zh: "Chinese name",
    name_en: "English name",
    slug: "Slug",
    organization: "Organization",
    intervention_type: "Intervention type",
    target_groups: "Target groups",
    settings: "Settings",
    ecological_levels: "Ecological levels",
    elements: "Elements",
    provinces: "Provinces served",
    established_year: "Year established",
    course_based: "Mainly courses",
    interviewed: "Interviewed for the 2024 mapping report",
    description_zh: "Chinese description",
    description_en: "English description",
    kind: "Kind",
    province: "Province",
    city_zh: "City (Chinese)",
    city_en: "City (English)",
    founded_year: "Year founded",
    website: "Website",
    aliases: "Aliases",
    components: "Sub-projects",
    partners: "Partners",
    source: "Source",
    locator_zh: "Where in the source (Chinese)",
    locator_en: "Where in the source (English)",
    data_quality: "Data-quality notes",
    deleted_at: "Deleted at",
  },
};

export const ADMIN_I18N = {
  zh: {
    admin: "管理",
    adminTitle: "管理：添加与更正记录",
    tokenTitle: "访问令牌",
    noToken: "添加或更正记录需要一个访问令牌。令牌由管理员在运行登记库的服务器上生成：",
    tokenCommand: "registry token create --name 你的名字 --role admin",
    tokenHowto: "令牌只显示一次，请立即复制，再粘贴到下面。编辑角色的令牌也可以添加和更正记录。",
    tokenLabel: "粘贴令牌",
    tokenUse: "使用此令牌",
    tokenKept: "令牌只保存在本标签页的会话存储中，关闭标签页即被清除，不会写入网址。",
    tokenSet: "本标签页已设置令牌。",
    tokenForget: "清除令牌",
    tokenRefused: "令牌未被接受：它不存在、已被撤销或已过期。",
    tokenEmpty: "请先粘贴令牌。",
    tasks: "任务",
    "task-new-program": "添加项目",
    "task-new-organization": "添加机构",
    "task-edit": "更正记录",
    newProgram: "添加一个项目",
    newOrganization: "添加一个机构",
    formHint: "中文名称和英文名称至少填一个。其他字段（合作方、来源、数据质量说明等）请通过接口填写。",
    slugHint: "可以不填：不填时，登记库根据英文名称（没有英文名称时根据中文名称的拼音）自动生成。",
    yearHint: "四位数年份，例如 2021。",
    websiteHint: "请填写完整的网址，包括开头的协议部分。",
    none: "（未选）",
    choose: "（请选择）",
    create: "创建",
    save: "保存修改",
    saving: "正在保存…",
    created: "已创建。",
    createdSlug: "网址标识：",
    viewInExplorer: "在浏览页面查看",
    viewInApi: "接口记录（JSON）",
    correctIt: "更正这条记录",
    formErrors: "未能保存，请修改以下问题：",
    fieldProblem: "此项的值未被接受。",
    serverSaid: "接口原文：",
    loadTitle: "载入要更正的记录",
    recordType: "记录类型",
    program: "项目",
    organization: "机构",
    recordRef: "网址标识",
    refHint: "即记录网址的最后一段。",
    load: "载入",
    notFound: "没有找到这条记录。",
    editing: (name, version) => `正在更正：${name}（第 ${version} 版）`,
    nothingChanged: "没有修改任何字段。",
    saved: (version, fields) => `已保存，现为第 ${version} 版。修改的字段：${fields}。`,
    conflict: "未保存：在你载入之后，其他人已经修改了这条记录。你的修改没有覆盖对方的修改。请重新载入，核对后再改。",
    reload: "重新载入",
    unauthorized: "令牌未被接受（不存在、已撤销或已过期）。请清除令牌后粘贴新的令牌。",
    forbidden: "此令牌无权进行这项操作。",
    failedWith: (status) => `接口返回错误（状态码 ${status}）。`,
    history: "修改历史",
    historyEmpty: "没有历史记录。",
    version: "版本",
    action: "操作",
    actor: "操作人",
    at: "时间",
    changedFields: "修改的字段",
    actions: { create: "创建", update: "修改", delete: "删除", restore: "恢复", purge: "清除" },
    listSep: "、",
  },
  en: {
    admin: "Admin",
    adminTitle: "Admin: add and correct records",
    tokenTitle: "Access token",
    noToken: "Adding or correcting records needs an access token. An administrator makes one on the server that runs the registry:",
    tokenCommand: "registry token create --name YOUR-NAME --role admin",
    tokenHowto: "The token is shown once: copy it then, and paste it below. An editor token can add and correct records too.",
    tokenLabel: "Paste your token",
    tokenUse: "Use this token",
    tokenKept: "The token is kept in this tab's session storage only: it goes when you close the tab, and never into the URL.",
    tokenSet: "A token is set for this tab.",
    tokenForget: "Forget the token",
    tokenRefused: "The token was not accepted: it is unknown, revoked or expired.",
    tokenEmpty: "Paste a token first.",
    tasks: "Tasks",
    "task-new-program": "Add a program",
    "task-new-organization": "Add an organization",
    "task-edit": "Correct a record",
    newProgram: "Add a program",
    newOrganization: "Add an organization",
    formHint: "Give the Chinese name, the English name or both. Other fields (partners, sources, data-quality notes…) are written through the API.",
    slugHint: "Optional: left empty, the registry makes one from the English name (or the pinyin of the Chinese name).",
    yearHint: "Four digits, e.g. 2021.",
    websiteHint: "The full address, starting http:// or https://.",
    none: "(none)",
    choose: "(choose one)",
    create: "Create",
    save: "Save changes",
    saving: "Saving…",
    created: "Created.",
    createdSlug: "Slug: ",
    viewInExplorer: "See it in the explorer",
    viewInApi: "The record in the API (JSON)",
    correctIt: "Correct this record",
    formErrors: "Not saved. Please fix:",
    fieldProblem: "This value was not accepted.",
    serverSaid: "",
    loadTitle: "Load a record to correct",
    recordType: "Record type",
    program: "Program",
    organization: "Organization",
    recordRef: "Slug",
    refHint: "The last part of the record's URL, e.g. lianai-huxin.",
    load: "Load",
    notFound: "No such record.",
    editing: (name, version) => `Correcting: ${name} (version ${version})`,
    nothingChanged: "No field was changed.",
    saved: (version, fields) => `Saved; now at version ${version}. Changed: ${fields}.`,
    conflict: "Not saved: someone else changed this record after you loaded it, and your changes were not written over theirs. Reload it, check, and make your change again.",
    reload: "Reload",
    unauthorized: "The token was not accepted (unknown, revoked or expired). Forget it and paste a new one.",
    forbidden: "This token may not do that.",
    failedWith: (status) => `The API answered with an error (status ${status}).`,
    history: "History",
    historyEmpty: "No history recorded.",
    version: "Version",
    action: "Action",
    actor: "By",
    at: "When",
    changedFields: "Fields changed",
    actions: { create: "created", update: "updated", delete: "deleted", restore: "restored", purge: "purged" },
    listSep: ", ",
  },
};

// The API's reasons are in English; the Chinese view says the common ones in Chinese.
const ZH_REASONS = [
  [/^Input should be greater than or equal to (\S+)/, (m) => `不能小于 ${m[1]}。`],
  [/^Input should be less than or equal to (\S+)/, (m) => `不能大于 ${m[1]}。`],
  [/^year is in the future/, () => "年份不能晚于今年。"],
  [/^a record needs a name/, () => "中文名称和英文名称至少填一个。"],
  [/^already exists/, () => "已被其他记录使用，请换一个。"],
  [/^a slug is lower-case/, () => "只能用小写字母和数字，词与词之间用一个连字符连接。"],
  [/^Input should be a valid integer/, () => "请填写整数。"],
  [/^Input should be a valid URL/, () => "请填写完整的网址，包括开头的协议部分。"],
  [/^String should have at most (\d+) characters?/, (m) => `不能超过 ${m[1]} 个字符。`],
  [/^String should match pattern/, () => "不能只有空白。"],
  [/^unknown code/, () => "不是词表中的代码。"],
  [/^no organization/, () => "没有这个机构。"],
  [/^Field required/, () => "必填。"],
];

export function adminToken() {
  return sessionStorage.getItem(TOKEN_KEY);
}

// ctx: { h, t, lang, api, allItems, hashFor, route, stale, rerender, API }
export async function renderAdmin(main, ctx) {
  const { h, t } = ctx;
  const task = TASKS.includes(ctx.route.slug) ? ctx.route.slug : "new-program";
  const token = adminToken();
  const section = h(
    "section",
    { class: "admin-view", "aria-labelledby": "admin-title" },
    h("h2", { id: "admin-title" }, t("adminTitle")),
    tokenBlock(ctx, token),
  );
  if (!token) {
    main.replaceChildren(section);
    return true;
  }
  const nav = h(
    "nav",
    { class: "admin-tasks", "aria-label": t("tasks") },
    TASKS.map((name) =>
      h(
        "a",
        { href: ctx.hashFor("admin", {}, name), "aria-current": name === task ? "page" : null, dataset: { task: name } },
        t(`task-${name}`),
      ),
    ),
  );
  const body = task === "edit" ? await editTask(ctx) : await createTask(ctx, task === "new-program" ? "program" : "organization");
  if (ctx.stale()) return false;
  section.append(nav, body);
  main.replaceChildren(section);
  return true;
}

// --- token ---------------------------------------------------------------------------------

function tokenBlock(ctx, token) {
  const { h, t } = ctx;
  if (token) {
    return h(
      "div",
      { class: "admin-token is-set" },
      h("p", { id: "token-state" }, t("tokenSet"), " ", t("tokenKept")),
      h(
        "button",
        {
          type: "button",
          id: "forget-token",
          class: "secondary",
          onclick: () => {
            sessionStorage.removeItem(TOKEN_KEY);
            ctx.rerender();
          },
        },
        t("tokenForget"),
      ),
    );
  }
  const message = h("p", { id: "token-message", class: "field-error", role: "alert" });
  const input = h("input", {
    id: "admin-token",
    name: "token",
    type: "password",
    autocomplete: "off",
    spellcheck: "false",
    "aria-describedby": "token-kept token-message",
  });
  const form = h(
    "form",
    {
      class: "admin-token",
      id: "token-form",
      novalidate: true,
      onsubmit: async (event) => {
        event.preventDefault();
        const value = input.value.trim();
        if (!value) {
          message.textContent = t("tokenEmpty");
          input.setAttribute("aria-invalid", "true");
          input.focus();
          return;
        }
        // A request only a token may make, to tell a mistyped token at once; an editor
        // token is refused it (403) but may still add and correct.
        const response = await fetch(`${ctx.API}/programs?deleted=only&limit=1&fields=slug`, {
          headers: { Accept: "application/json", Authorization: `Bearer ${value}` },
        });
        if (response.status === 401) {
          message.textContent = t("tokenRefused");
          input.setAttribute("aria-invalid", "true");
          input.focus();
          return;
        }
        sessionStorage.setItem(TOKEN_KEY, value);
        ctx.rerender();
      },
    },
    h("h3", {}, t("tokenTitle")),
    h("p", { id: "no-token" }, t("noToken")),
    h("pre", { class: "command" }, h("code", { id: "token-command" }, t("tokenCommand"))),
    h("p", { class: "hint" }, t("tokenHowto")),
    h("label", { for: "admin-token" }, t("tokenLabel")),
    h("div", { class: "search-row" }, input, h("button", { type: "submit", id: "use-token" }, t("tokenUse"))),
    h("p", { class: "hint", id: "token-kept" }, t("tokenKept")),
    message,
  );
  return form;
}

async function write(ctx, method, path, body, headers = {}) {
  const response = await fetch(`${ctx.API}${path}`, {
    method,
    headers: {
      Accept: "application/json",
      "Content-Type": "application/json",
      Authorization: `Bearer ${adminToken()}`,
      ...headers,
    },
    body: JSON.stringify(body),
  });
  const json = await response.json().catch(() => null);
  return { response, json };
}

// --- the form, built from the create schema ---------------------------------------------------

let openapi = null; // fetched once per page load

async function schemaFields(ctx, kind) {
  openapi =
    openapi ||
    ctx.getJson("/openapi.json").catch((error) => {
      openapi = null;
      throw error;
    });
  const spec = await openapi;
  const props = spec.components.schemas[SCHEMAS[kind]].properties;
  return FORM_FIELDS[kind].map((name) => {
    const prop = props[name];
    const alts = prop.anyOf || [prop];
    const main = alts.find((a) => a.type && a.type !== "null") || alts[0];
    const vocabulary = main["x-vocabulary"] || (main.items && main.items["x-vocabulary"]) || null;
    let type = "text";
    if (name === "organization") type = "organization";
    else if (main.type === "array") type = "codes";
    else if (vocabulary) type = "code";
    else if (main.type === "integer") type = "year";
    else if (main.type === "boolean") type = "bool";
    else if ((main.maxLength || 0) > LONG_TEXT) type = "textarea";
    return { name, type, vocabulary, required: (spec.components.schemas[SCHEMAS[kind]].required || []).includes(name) };
  });
}

async function formChoices(ctx, fields) {
  const vocabularies = [...new Set(fields.map((f) => f.vocabulary).filter(Boolean))];
  const needOrgs = fields.some((f) => f.type === "organization");
  const [terms, orgs] = await Promise.all([
    Promise.all(vocabularies.map((name) => ctx.api(`/vocabularies/${name}`))),
    needOrgs ? ctx.allItems("/organizations", { fields: "slug,name", sort: ctx.lang() === "zh" ? "name_zh" : "name_en" }) : [],
  ]);
  const byName = Object.fromEntries(vocabularies.map((name, i) => [name, terms[i].terms.map((term) => [term.code, term.label])]));
  // Two organizations may share a name (a second one made without a slug): the slug tells them apart.
  const seen = new Map();
  for (const org of orgs) seen.set(org.name, (seen.get(org.name) || 0) + 1);
  byName.organization = orgs.map((org) => [org.slug, seen.get(org.name) > 1 ? `${org.name} (${org.slug})` : org.name]);
  return byName;
}

function fieldLabel(ctx, name) {
  return FIELD_LABELS[ctx.lang()][name] || name;
}

function control(ctx, field, choices) {
  const { h, t } = ctx;
  const id = `f-${field.name}`;
  const label = fieldLabel(ctx, field.name);
  const hints = { slug: "slugHint", established_year: "yearHint", founded_year: "yearHint", website: "websiteHint" };
  const hint = hints[field.name] ? h("p", { class: "hint", id: `${id}-hint` }, t(hints[field.name])) : null;
  const describedBy = hint ? `${id}-hint` : null;
  const error = h("p", { class: "field-error", id: `${id}-error`, hidden: true });
  const wrap = (...children) => h("div", { class: `field field-${field.type}`, dataset: { field: field.name } }, ...children, error);
  if (field.type === "codes") {
    const options = choices[field.vocabulary] || [];
    return wrap(
      h(
        "fieldset",
        { id, class: "choices" },
        h("legend", {}, label),
        h(
          "div",
          { class: "choice-grid" },
          options.map(([code, text]) =>
            h(
              "label",
              { for: `${id}-${code}` },
              h("input", { type: "checkbox", id: `${id}-${code}`, name: field.name, value: code }),
              " ",
              text,
            ),
          ),
        ),
      ),
    );
  }
  if (field.type === "bool") {
    return wrap(h("input", { type: "checkbox", id, name: field.name }), " ", h("label", { for: id }, label));
  }
  let input;
  if (field.type === "code" || field.type === "organization") {
    const options = choices[field.type === "organization" ? "organization" : field.vocabulary] || [];
    input = h(
      "select",
      { id, name: field.name, "aria-describedby": describedBy },
      h("option", { value: "" }, t(field.required ? "choose" : "none")),
      options.map(([code, text]) => h("option", { value: code }, text)),
    );
  } else if (field.type === "textarea") {
    input = h("textarea", { id, name: field.name, rows: 4, "aria-describedby": describedBy });
  } else {
    input = h("input", {
      id,
      name: field.name,
      type: field.name === "website" ? "url" : "text",
      inputmode: field.type === "year" ? "numeric" : null,
      autocomplete: "off",
      spellcheck: field.name === "slug" ? "false" : null,
      "aria-describedby": describedBy,
      lang: field.name.endsWith("_zh") ? "zh-CN" : field.name.endsWith("_en") ? "en" : null,
    });
  }
  return wrap(h("label", { for: id }, label), input, hint);
}

function recordForm(ctx, kind, fields, choices, submitLabel, onSubmit) {
  const { h, t } = ctx;
  const summary = h("div", { class: "form-errors", id: `${kind}-form-errors`, role: "alert", tabindex: "-1", hidden: true });
  const outcome = h("div", { class: "form-outcome", role: "status", tabindex: "-1" });
  const form = h(
    "form",
    { class: "record-form", id: `${kind}-form`, dataset: { kind }, novalidate: true },
    summary,
    h("p", { class: "hint" }, t("formHint")),
    fields.map((field) => control(ctx, field, choices)),
    h("div", { class: "form-actions" }, h("button", { type: "submit", id: `${kind}-submit` }, submitLabel)),
    outcome,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    clearErrors(form);
    outcome.replaceChildren();
    button.disabled = true;
    const before = button.textContent;
    button.textContent = t("saving");
    try {
      await onSubmit({ form, summary, outcome });
    } finally {
      button.disabled = false;
      button.textContent = before;
    }
  });
  return form;
}

function named(form, name) {
  // Not form.elements: a field called "elements" (a program's) hides it.
  return form.querySelector(`[name="${name}"]`);
}

function collect(form, fields) {
  // Every offered field: text as trimmed text or null, codes as lists, years as numbers
  // (anything else is sent as typed, for the API to name).
  const values = {};
  for (const field of fields) {
    const el = named(form, field.name);
    if (field.type === "codes") {
      values[field.name] = [...form.querySelectorAll(`input[name="${field.name}"]:checked`)].map((box) => box.value);
    } else if (field.type === "bool") {
      values[field.name] = el.checked;
    } else {
      const text = el.value.trim();
      values[field.name] = text === "" ? null : field.type === "year" && /^\d+$/.test(text) ? Number(text) : text;
    }
  }
  return values;
}

function fill(form, fields, record) {
  for (const field of fields) {
    const value = record[field.name];
    if (field.type === "codes") {
      const codes = new Set((value || []).map((term) => term.code));
      for (const box of form.querySelectorAll(`input[name="${field.name}"]`)) box.checked = codes.has(box.value);
    } else {
      const el = named(form, field.name);
      if (field.type === "bool") el.checked = Boolean(value);
      else if (value && typeof value === "object") el.value = value.code || value.slug || "";
      else el.value = value ?? "";
    }
  }
}

function clearErrors(form) {
  for (const el of form.querySelectorAll("[aria-invalid]")) {
    el.removeAttribute("aria-invalid");
    const ids = (el.getAttribute("aria-describedby") || "").split(" ").filter((id) => id && !id.endsWith("-error"));
    if (ids.length) el.setAttribute("aria-describedby", ids.join(" "));
    else el.removeAttribute("aria-describedby");
  }
  for (const el of form.querySelectorAll(".field-error")) {
    el.hidden = true;
    el.textContent = "";
  }
  const summary = form.querySelector(".form-errors");
  summary.hidden = true;
  summary.replaceChildren();
}

function reasonText(ctx, reason) {
  if (ctx.lang() !== "zh") return [reason];
  for (const [pattern, say] of ZH_REASONS) {
    const match = pattern.exec(reason || "");
    if (match) return [say(match)];
  }
  // Not one we know: say so in Chinese, and quote the API's own words, marked as English.
  return [ctx.t("fieldProblem"), " ", ctx.t("serverSaid"), ctx.h("span", { lang: "en", class: "server-reason" }, reason)];
}

function showProblem(ctx, form, body, problem, status) {
  // Each invalid-params entry goes beside the control its JSON pointer names; the rest, and
  // a problem without entries, at the top of the form.
  const { h, t } = ctx;
  const summary = form.querySelector(".form-errors");
  const loose = [];
  let first = null;
  for (const param of (problem && problem["invalid-params"]) || []) {
    const [name, index] = String(param.name || "").replace(/^\//, "").split("/");
    const wrap = form.querySelector(`.field[data-field="${name}"]`);
    if (!wrap) {
      loose.push(param);
      continue;
    }
    let target = wrap.querySelector(`#f-${name}`);
    if (wrap.classList.contains("field-codes")) {
      // /target_groups/0 is the first code sent: its checkbox, else the group's first.
      const code = index !== undefined && body[name] ? body[name][Number(index)] : null;
      target = (code && wrap.querySelector(`input[value="${CSS.escape(code)}"]`)) || wrap.querySelector("input");
    }
    const error = wrap.querySelector(".field-error");
    if (error.textContent) error.append(h("br"));
    error.append(...reasonText(ctx, param.reason));
    error.hidden = false;
    target.setAttribute("aria-invalid", "true");
    const ids = new Set((target.getAttribute("aria-describedby") || "").split(" ").filter(Boolean));
    ids.add(error.id);
    target.setAttribute("aria-describedby", [...ids].join(" "));
    first = first || target;
  }
  const general = [];
  if (status === 401) general.push(t("unauthorized"));
  else if (status === 403) general.push(t("forbidden"));
  else if (!first && !loose.length) general.push(t("failedWith", status));
  if (general.length || loose.length) {
    summary.replaceChildren(
      h("p", {}, t("formErrors")),
      h(
        "ul",
        {},
        general.map((text) => h("li", {}, text)),
        loose.map((param) => h("li", { dataset: { pointer: param.name } }, h("code", {}, param.name), " ", ...reasonText(ctx, param.reason))),
      ),
    );
    summary.hidden = false;
    summary.focus();
  } else if (first) {
    first.focus();
  }
}

// --- add a program or an organization ----------------------------------------------------------

async function createTask(ctx, kind) {
  const { h, t } = ctx;
  const fields = await schemaFields(ctx, kind);
  const choices = await formChoices(ctx, fields);
  const resource = RESOURCES[kind];
  const form = recordForm(ctx, kind, fields, choices, t("create"), async ({ form, outcome }) => {
    const body = Object.fromEntries(
      Object.entries(collect(form, fields)).filter(([, v]) => v !== null && !(Array.isArray(v) && !v.length)),
    );
    const { response, json } = await write(ctx, "POST", `/${resource}`, body);
    if (response.status !== 201) {
      showProblem(ctx, form, body, json, response.status);
      return;
    }
    const slug = json.slug;
    const apiUrl = `${ctx.API}/${resource}/${encodeURIComponent(slug)}`;
    outcome.replaceChildren(
      h(
        "div",
        { class: "created", id: "created", dataset: { slug } },
        h("p", {}, t("created"), " ", t("createdSlug"), h("code", { class: "created-slug" }, slug)),
        h(
          "ul",
          {},
          kind === "program" ? h("li", {}, h("a", { href: ctx.hashFor("program", {}, slug), id: "created-view" }, t("viewInExplorer"))) : null,
          h("li", {}, h("a", { href: apiUrl, id: "created-api" }, t("viewInApi"))),
          h("li", {}, h("a", { href: ctx.hashFor("admin", { kind, ref: slug }, "edit") }, t("correctIt"))),
        ),
      ),
    );
    form.reset();
    outcome.focus();
  });
  return h(
    "section",
    { class: "admin-task", "aria-labelledby": "task-title" },
    h("h3", { id: "task-title" }, t(kind === "program" ? "newProgram" : "newOrganization")),
    form,
  );
}

// --- correct a record, and its history ---------------------------------------------------------

async function editTask(ctx) {
  const { h, t } = ctx;
  const kind = ctx.route.params.get("kind") === "organization" ? "organization" : "program";
  const ref = (ctx.route.params.get("ref") || "").trim();
  const loader = h(
    "form",
    {
      class: "record-loader",
      id: "load-form",
      onsubmit: (event) => {
        event.preventDefault();
        const chosen = named(loader, "kind").value;
        const slug = named(loader, "ref").value.trim();
        const target = ctx.hashFor("admin", { kind: chosen, ref: slug }, "edit");
        if (location.hash === target) ctx.rerender();
        else location.hash = target;
      },
    },
    h("h3", {}, t("loadTitle")),
    h(
      "div",
      { class: "loader-row" },
      h(
        "div",
        { class: "field" },
        h("label", { for: "load-kind" }, t("recordType")),
        h(
          "select",
          { id: "load-kind", name: "kind" },
          Object.keys(RESOURCES).map((name) => h("option", { value: name, selected: name === kind }, t(name))),
        ),
      ),
      h(
        "div",
        { class: "field" },
        h("label", { for: "load-ref" }, t("recordRef")),
        h("input", { id: "load-ref", name: "ref", type: "text", value: ref, spellcheck: "false", autocomplete: "off", "aria-describedby": "load-ref-hint" }),
        h("p", { class: "hint", id: "load-ref-hint" }, t("refHint")),
      ),
      h("button", { type: "submit", id: "load-record" }, t("load")),
    ),
  );
  const parts = [loader];
  if (ref) {
    const area = h("div", { class: "edit-area" });
    await loadRecord(ctx, kind, ref, area);
    parts.push(area);
  }
  return h("section", { class: "admin-task" }, parts);
}

async function loadRecord(ctx, kind, ref, area) {
  const { h, t } = ctx;
  const resource = RESOURCES[kind];
  const path = `/${resource}/${encodeURIComponent(ref)}`;
  const query = `lang=${ctx.lang()}`;
  const response = await fetch(`${ctx.API}${path}?${query}`, { headers: { Accept: "application/json" } });
  if (!response.ok) {
    area.replaceChildren(h("p", { class: "form-errors", role: "alert", id: "load-error" }, response.status === 404 ? t("notFound") : t("failedWith", response.status)));
    return;
  }
  const record = await response.json();
  const etag = response.headers.get("ETag");
  const [fields, history] = await Promise.all([schemaFields(ctx, kind), ctx.getJson(`${ctx.API}${path}/history`)]);
  const choices = await formChoices(ctx, fields);
  let loaded = null;
  const form = recordForm(ctx, kind, fields, choices, t("save"), async ({ form, outcome }) => {
    const now = collect(form, fields);
    // Only what changed, so a PATCH never rewrites a field this form did not touch.
    const body = Object.fromEntries(Object.entries(now).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(loaded[k])));
    if (!Object.keys(body).length) {
      outcome.replaceChildren(h("p", {}, t("nothingChanged")));
      return;
    }
    const { response: answer, json } = await write(ctx, "PATCH", `/${resource}/${encodeURIComponent(record.id)}`, body, { "If-Match": etag });
    if (answer.status === 412) {
      outcome.replaceChildren(
        h(
          "div",
          { class: "conflict", id: "conflict", role: "alert" },
          h("p", {}, t("conflict")),
          h("button", { type: "button", id: "reload-record", onclick: () => loadRecord(ctx, kind, record.slug, area) }, t("reload")),
        ),
      );
      outcome.focus();
      return;
    }
    if (!answer.ok) {
      showProblem(ctx, form, body, json, answer.status);
      return;
    }
    const changed = Object.keys(body).map((name) => fieldLabel(ctx, name)).join(t("listSep"));
    await loadRecord(ctx, kind, json.slug, area);
    const saved = area.querySelector(".form-outcome");
    saved.replaceChildren(h("p", { class: "saved", id: "saved" }, t("saved", json.version, changed)));
    saved.focus();
  });
  fill(form, fields, record);
  loaded = collect(form, fields);
  const name = record.name || record.name_zh || record.name_en || record.slug;
  area.replaceChildren(
    h(
      "section",
      { class: "edit-record", "aria-labelledby": "edit-title", dataset: { slug: record.slug, version: record.version, etag } },
      h("h3", { id: "edit-title" }, t("editing", name, record.version)),
      form,
    ),
    historyTable(ctx, history),
  );
}

function historyTable(ctx, history) {
  const { h, t } = ctx;
  const when = new Intl.DateTimeFormat(ctx.lang() === "zh" ? "zh-CN" : "en", { dateStyle: "medium", timeStyle: "medium" });
  return h(
    "section",
    { class: "history", "aria-labelledby": "history-title" },
    h("h3", { id: "history-title" }, t("history")),
    history.length
      ? h(
          "div",
          { class: "table-scroll", tabindex: "0", role: "region", "aria-labelledby": "history-title" },
          h(
            "table",
            { id: "history-table" },
            h("thead", {}, h("tr", {}, [t("version"), t("action"), t("actor"), t("at"), t("changedFields")].map((c) => h("th", { scope: "col" }, c)))),
            h(
              "tbody",
              {},
              history.map((entry) =>
                h(
                  "tr",
                  { dataset: { version: entry.version, action: entry.action, actor: entry.actor } },
                  h("td", { class: "num" }, entry.version),
                  h("td", {}, t("actions")[entry.action] || entry.action),
                  h("td", { class: "actor" }, entry.actor),
                  h("td", {}, h("time", { datetime: entry.at }, when.format(new Date(entry.at)))),
                  h(
                    "td",
                    { class: "changed", dataset: { fields: Object.keys(entry.changes || {}).join(",") } },
                    Object.keys(entry.changes || {}).map((field) => fieldLabel(ctx, field)).join(t("listSep")),
                  ),
                ),
              ),
            ),
          ),
        )
      : h("p", {}, t("historyEmpty")),
  );
}
