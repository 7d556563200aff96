// The page of /__mock/ui: it reads the admin API and draws what it answers. Every text from the
// server goes into the page as text (textContent), never as markup.
"use strict";

const $ = (id) => document.getElementById(id);
const MAX_ROWS = 500; // journal rows kept in the page

// el makes an element with attributes and children (strings become text).
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

// --- the admin API, with the token when one is needed -------------------------------------

let token = sessionStorage.getItem("cmdbmock-admin-token") || "";

function headers(extra) {
  const h = Object.assign({}, extra);
  if (token) h["X-Cmdbmock-Admin-Token"] = token;
  return h;
}

class Refused extends Error {}

async function api(path, opts = {}) {
  const method = opts.method || "GET";
  // The admin API takes posts and puts in JSON alone (an HTML form cannot send it): every one
  // of them is JSON.
  const sends = method === "POST" || method === "PUT";
  const init = { method, headers: headers(sends ? { "Content-Type": "application/json" } : {}) };
  if (sends) init.body = JSON.stringify(opts.body || {});
  const resp = await fetch(path, init);
  if (resp.status === 204) return null;
  const data = await resp.json().catch(() => ({ error: `HTTP ${resp.status}` }));
  if (resp.status === 403) {
    askToken(data.error);
    throw new Refused(data.error);
  }
  if (!resp.ok) throw new Error(data.error || `HTTP ${resp.status}`);
  return data;
}

function askToken(why) {
  $("panels").hidden = true;
  $("token").hidden = false;
  notice(why + (token ? " (the token given was refused)" : ""), true);
}

$("token").addEventListener("submit", (ev) => {
  ev.preventDefault();
  token = $("token-input").value;
  $("token-input").value = "";
  sessionStorage.setItem("cmdbmock-admin-token", token);
  $("token").hidden = true;
  $("panels").hidden = false;
  notice("");
  start();
});

function notice(text, bad) {
  const n = $("notice");
  n.textContent = text;
  n.hidden = !text;
  n.classList.toggle("bad", !!bad);
}

function report(err) {
  if (!(err instanceof Refused)) notice(String(err.message || err), true);
}

// --- the header ----------------------------------------------------------------------------

let status = null;

function uptime(s) {
  const d = Math.floor(s / 86400), h = Math.floor(s / 3600) % 24, m = Math.floor(s / 60) % 60;
  return d ? `${d}d ${h}h` : h ? `${h}h ${m}m` : `${m}m ${s % 60}s`;
}

async function loadStatus() {
  status = await api("/__mock/status");
  const store = status.store && status.store.kind === "redis" ? " · shared store (journal and metrics this replica's)" : "";
  $("status").textContent = `CMDB ${status.cmdb_version} · IAM ${status.iam ? "on" : "off"} · up ${uptime(status.uptime_seconds)} · ` +
    `${status.sets.toLocaleString()} of ${status.max_sets.toLocaleString()} sets${store}`;
}

// --- the topology --------------------------------------------------------------------------

const envNames = { "1": "test", "2": "staging", "3": "production" };
const statusNames = { "1": "open", "2": "closed" };
let trees = [];

let drawn = "";

// loadTopology reads every business's tree and redraws the tree when it changed, so that a
// redraw never takes a node from under a pointer for nothing.
async function loadTopology() {
  const biz = status.businesses;
  trees = await Promise.all(biz.map((b) => api(`/__mock/topology?bk_biz_id=${b.bk_biz_id}`)));
  const now = JSON.stringify(trees);
  if (now !== drawn) {
    drawn = now;
    drawTopology();
  }
}

function countSets(node) {
  if (node.bk_obj_id === "set") return 1;
  return node.child.reduce((n, c) => n + countSets(c), 0);
}

const OPEN_SETS = 100; // a business of at most this many sets shows opened to its sets
const known = new Set(); // the nodes drawn before: they keep the state a person gave them

function drawTopology() {
  const root = $("tree");
  const open = new Set([...root.querySelectorAll("details[open]")].map((d) => d.dataset.key));
  root.replaceChildren();
  trees.forEach((t, i) => {
    const b = status.businesses[i];
    if (t.too_many) {
      root.append(el("p", { class: "note" }, `${b.bk_biz_name} (${b.bk_biz_id}): more than ${status.tree_sets.toLocaleString()} sets or ${status.tree_modules.toLocaleString()} modules; search them with search_set and search_module`));
      return;
    }
    const small = Object.keys(t.sets).length <= OPEN_SETS;
    root.append(drawNode(t.tree, t, (key) => (known.has(key) ? open.has(key) : small || key.startsWith("biz/"))));
  });
  root.querySelectorAll("details").forEach((d) => known.add(d.dataset.key));
  filterTree();
}

// drawNode is a node's content: a business or custom-level node opens onto its children, a set
// is a button that shows its record, a module a button that shows the hosts it holds and places
// others. t is the business's answer: its sets' records and its modules' hosts.
function drawNode(node, t, isOpen) {
  if (node.bk_obj_id === "set") return setButton(node, t);
  if (node.bk_obj_id === "module") {
    const hosts = t.hosts[node.bk_inst_id] || 0;
    return el("button", { type: "button", class: "module", "data-module-id": String(node.bk_inst_id), onclick: () => showHosts(node, hosts) },
      `module ${node.bk_inst_name} #${node.bk_inst_id}`,
      hosts ? el("span", { class: "attrs" }, ` · ${hosts} host${hosts === 1 ? "" : "s"}`) : null);
  }
  const key = `${node.bk_obj_id}/${node.bk_inst_id}`;
  const d = el("details", { "data-key": key, "data-name": node.bk_inst_name });
  d.open = isOpen(key);
  const n = countSets(node);
  d.append(el("summary", {}, el("span", { class: "kind" }, node.bk_obj_name), " ", node.bk_inst_name, " ",
    el("span", { class: "count" }, `#${node.bk_inst_id} · ${n} set${n === 1 ? "" : "s"}`)));
  d.append(el("ul", {}, ...node.child.map((c) => el("li", { "data-name": c.bk_inst_name }, drawNode(c, t, isOpen)))));
  return d;
}

function setButton(node, t) {
  const rec = t.sets[node.bk_inst_id] || {};
  const attrs = [envNames[rec.bk_set_env] || rec.bk_set_env, statusNames[rec.bk_service_status] || rec.bk_service_status,
    rec.bk_capacity != null ? `capacity ${rec.bk_capacity}` : null, node.set_template_id ? `template ${node.set_template_id}` : null]
    .filter((a) => a);
  const b = el("button", { type: "button", class: "set", "data-set-id": String(node.bk_inst_id), onclick: () => showRecord(node, rec) },
    el("span", { class: "kind" }, "set"), " ", node.bk_inst_name, " ", el("span", { class: "count" }, `#${node.bk_inst_id}`), " ",
    el("span", { class: "attrs" }, attrs.join(" · ")));
  const modules = node.child.map((m) => el("li", { "data-name": m.bk_inst_name }, drawNode(m, t)));
  return el("div", {}, b, el("ul", {}, ...modules));
}

function showRecord(node, rec) {
  openDetail(`set ${node.bk_inst_name} #${node.bk_inst_id}`, [el("pre", { id: "record" }, JSON.stringify(rec, null, 2))], null);
}

// showHosts opens a module's hosts: how many it holds, and a form that makes it hold another
// number (PUT /__mock/modules/{id}/hosts).
function showHosts(node, hosts) {
  const input = el("input", { type: "number", name: "hosts", min: "0", step: "1", required: "", value: String(hosts) });
  const form = el("form", { id: "hosts-form", class: "bar" }, el("label", {}, "hosts ", input), el("button", { type: "submit" }, "Place"));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    api(`/__mock/modules/${node.bk_inst_id}/hosts`, { method: "PUT", body: { hosts: Number(input.value) } })
      .then(() => { $("detail").close(); notice(""); return loadTopology(); }).catch(report);
  });
  openDetail(`module ${node.bk_inst_name} #${node.bk_inst_id}`, [
    el("p", {}, "While the module holds any host, CMDB refuses to delete it, its set or a node above it (1101030), and so does the mock."),
    form], null);
}

// filterTree shows the nodes whose name holds the filter, with their ancestors, opened. The
// items are walked from the last: each one's descendants are decided before it.
function filterTree() {
  const q = $("tree-filter").value.trim().toLowerCase();
  const match = (e) => (e.dataset.name || "").toLowerCase().includes(q);
  for (const li of [...$("tree").querySelectorAll("li")].reverse()) {
    const hit = !q || match(li) || li.querySelector("li:not(.hidden)") !== null;
    li.classList.toggle("hidden", !hit);
    const d = li.querySelector(":scope > details");
    if (q && hit && d) d.open = true;
  }
  for (const top of $("tree").children) {
    const hit = !q || match(top) || top.querySelector("li:not(.hidden)") !== null;
    top.classList.toggle("hidden", !hit);
    if (q && hit && top.tagName === "DETAILS") top.open = true;
  }
}
$("tree-filter").addEventListener("input", filterTree);

// --- the journal, live ---------------------------------------------------------------------

const writes = /create|update|delete/;
let lastID = 0;
let treeTimer = 0;

// A call the mock sent nothing to (a dropped connection, a caller gone during a delay) has status 0.
const unanswered = "no answer: the connection was closed";

function messageOf(e) {
  if (!e.status) return unanswered;
  try { return JSON.parse(e.response).message ?? JSON.parse(e.response).bk_error_msg ?? ""; } catch { return ""; }
}

function addEntry(e) {
  lastID = Math.max(lastID, e.id);
  const code = e.code ?? "";
  const row = el("tr", { tabindex: "0", "data-call": e.call || "", "data-code": String(code), "data-user": e.user || "" },
    el("td", {}, (e.time || "").slice(11, 23)), el("td", {}, e.surface), el("td", {}, e.call || e.path),
    el("td", { class: `code ${code === 0 ? "ok" : "bad"}` }, String(code)),
    el("td", { class: "msg" }, messageOf(e), e.warnings && e.warnings.length ? el("span", { class: "warn" }, ` ⚠ ${e.warnings.length}`) : null,
      e.fault ? el("span", { class: "warn" }, ` fault ${e.fault}`) : null),
    el("td", {}, e.duration_ms.toFixed(2)), el("td", {}, e.user || ""));
  const show = () => showEntry(e);
  row.addEventListener("click", show);
  row.addEventListener("keydown", (ev) => { if (ev.key === "Enter") show(); });
  const body = $("entries");
  body.prepend(row);
  while (body.childElementCount > MAX_ROWS) body.lastElementChild.remove();
  filterRow(row);
  if (e.code === 0 && writes.test(e.call || "")) {
    clearTimeout(treeTimer);
    treeTimer = setTimeout(() => refresh().catch(report), 300);
  }
}

function filterRow(row) {
  const call = $("f-call").value.trim(), code = $("f-code").value.trim(), user = $("f-user").value.trim();
  row.classList.toggle("hidden", (call && !row.dataset.call.includes(call)) || (code && row.dataset.code !== code) || (user && row.dataset.user !== user));
}
for (const id of ["f-call", "f-code", "f-user"]) $(id).addEventListener("input", () => $("entries").querySelectorAll("tr").forEach(filterRow));

// stream reads the journal's server-sent events through fetch, which sends the token as a
// header; on a break it reads on from the last entry it has.
async function stream() {
  const live = $("live");
  for (let wait = 500; ; wait = Math.min(wait * 2, 10000)) {
    try {
      const resp = await fetch(`/__mock/journal/stream?after=${lastID}`, { headers: headers() });
      if (resp.status === 403) return askToken((await resp.json()).error);
      if (!resp.ok) throw new Error(`journal stream: HTTP ${resp.status}`);
      live.classList.add("on");
      wait = 500;
      const reader = resp.body.pipeThrough(new TextDecoderStream()).getReader();
      let buf = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let cut;
        while ((cut = buf.indexOf("\n\n")) >= 0) {
          const event = buf.slice(0, cut);
          buf = buf.slice(cut + 2);
          const data = event.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
          if (data) addEntry(JSON.parse(data));
        }
      }
    } catch (err) {
      report(err);
    }
    live.classList.remove("on");
    await new Promise((r) => setTimeout(r, wait));
  }
}

// --- an entry, and the curl that replays it ------------------------------------------------

const skipHeaders = new Set(["Accept", "Accept-Encoding", "Connection", "Content-Length", "Cookie", "Host", "User-Agent"]);

// A masked value becomes a shell variable in the curl that replays a call: the caller sets
// BK_APP_SECRET and the like. masks marks them; shellWord quotes the text around them.
function masks(text) {
  return text.replace(/"([A-Za-z_]+)":"\*\*\*"/g, (_, k) => `"${k}":"\u0000${k.toUpperCase()}\u0000"`)
    .replace(/(^|[?&;])([A-Za-z_]+)=\*\*\*/g, (_, sep, k) => `${sep}${k}=\u0000${k.toUpperCase()}\u0000`);
}

function shellWord(text) {
  return "'" + text.replace(/'/g, "'\\''").replace(/\u0000([A-Z_]+)\u0000/g, `'"$$$1"'`) + "'";
}

function curlOf(e) {
  const parts = ["curl", "-X", e.method, shellWord(masks(location.origin + e.path + (e.query ? "?" + e.query : "")))];
  for (const [k, v] of Object.entries(e.headers || {})) {
    if (skipHeaders.has(k)) continue;
    parts.push("-H", shellWord(`${k}: ${v === "***" ? `\u0000${k.toUpperCase().replace(/-/g, "_")}\u0000` : masks(v)}`));
  }
  if (e.body) parts.push("--data-raw", shellWord(masks(e.body)));
  return parts.join(" ");
}

function pretty(text) {
  try { return JSON.stringify(JSON.parse(text), null, 2); } catch { return text || ""; }
}

function showEntry(e) {
  const curl = curlOf(e);
  const request = `${e.method} ${e.path}${e.query ? "?" + e.query : ""}\n` +
    Object.entries(e.headers || {}).map(([k, v]) => `${k}: ${v}`).join("\n") + "\n\n" + pretty(e.body);
  openDetail(`#${e.id} ${e.call || e.path} · ${e.request_id || ""}`, [
    e.warnings && e.warnings.length ? el("p", { class: "warn" }, e.warnings.join("; ")) : null,
    el("h3", {}, "request"), el("pre", {}, request),
    el("h3", {}, `answer · ${e.status ? "HTTP " + e.status : unanswered}${e.cut ? " · cut: " + e.cut.join(", ") : ""}`), el("pre", {}, pretty(e.response)),
    el("h3", {}, "replay (secrets as shell variables)"), el("pre", { id: "curl" }, curl),
  ], curl);
}

function openDetail(title, children, curl) {
  $("detail-h").textContent = title;
  $("detail-body").replaceChildren(...children.filter((c) => c));
  const copy = $("copy");
  copy.hidden = !curl;
  copy.onclick = () => navigator.clipboard.writeText(curl).then(() => { copy.textContent = "Copied"; }, () => { copy.textContent = "Select the text above"; });
  copy.textContent = "Copy as curl";
  $("detail").showModal();
}

// --- faults --------------------------------------------------------------------------------

function describe(r) {
  const does = [];
  if (r.code) does.push(`code ${r.code}${r.message ? " " + r.message : ""}`);
  if (r.http_status) does.push(`HTTP ${r.http_status}`);
  if (r.delay_ms || r.delay_max_ms) does.push(`delay ${r.delay_ms || 0}${r.delay_max_ms ? "-" + r.delay_max_ms : ""} ms`);
  if (r.drop) does.push("drop");
  if (r.times) does.push(`${r.times} times`);
  if (r.probability) does.push(`p=${r.probability}`);
  return does.join(", ");
}

async function loadFaults() {
  const { faults } = await api("/__mock/faults");
  $("rules").replaceChildren(...faults.map((r) => el("tr", { "data-rule": r.id },
    el("td", {}, r.id), el("td", {}, Object.entries(r.match || {}).map(([k, v]) => `${k}=${v}`).join(" ") || "every call"),
    el("td", {}, describe(r)), el("td", {}, String(r.fired)),
    el("td", {}, el("button", { type: "button", onclick: () => api(`/__mock/faults/${encodeURIComponent(r.id)}`, { method: "DELETE" }).then(loadFaults).catch(report) }, "Remove")))));
}

$("fault-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const f = new FormData(ev.target);
  const num = (k) => (f.get(k) ? Number(f.get(k)) : undefined);
  const rule = { match: {} };
  for (const k of ["surface", "path", "bk_set_name", "user"]) if (f.get(k)) rule.match[k] = f.get(k);
  if (f.get("bk_biz_id")) rule.match.bk_biz_id = num("bk_biz_id");
  for (const k of ["code", "http_status", "delay_ms", "delay_max_ms", "times", "probability", "seed"]) if (f.get(k)) rule[k] = num(k);
  if (f.get("message")) rule.message = f.get("message");
  if (f.get("drop")) rule.drop = true;
  api("/__mock/faults", { method: "POST", body: rule }).then(() => { ev.target.reset(); notice(""); return loadFaults(); }).catch(report);
});

// --- reset and save ------------------------------------------------------------------------

function confirmThen(text, action) {
  const d = $("confirm");
  $("confirm-text").textContent = text;
  d.returnValue = "";
  d.addEventListener("close", () => { if (d.returnValue === "yes") action().catch(report); }, { once: true });
  d.showModal();
}

$("reset").addEventListener("click", () => confirmThen("Empty the store and seed it from the fixtures again? Every set, module and node created since start is lost.",
  () => api("/__mock/reset", { method: "POST" }).then(() => { notice("The store was reset."); return refresh(); })));
$("save").addEventListener("click", () => confirmThen("Write the store to the --state file now?",
  () => api("/__mock/snapshot", { method: "POST" }).then((r) => notice(`Saved ${r.sets} sets to ${r.file}.`))));

// --- start ---------------------------------------------------------------------------------

async function refresh() {
  await loadStatus();
  await loadTopology();
}

let streaming = false;
async function start() {
  try {
    await refresh();
    await loadFaults();
    if (!streaming) { streaming = true; stream(); }
  } catch (err) {
    report(err);
  }
}
setInterval(() => { if (status && !$("panels").hidden) loadStatus().catch(() => {}); }, 5000);
start();
