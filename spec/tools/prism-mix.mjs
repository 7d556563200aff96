// Puts Prism's validating proxy in front of a running mock and sends a realistic mix of valid and
// invalid calls on both surfaces. Every answer must keep the contract (no response violation);
// the valid calls must raise no violation at all. Then it shows that the proxy does validate
// answers: in front of an upstream that answers nonsense, `prism proxy --errors` refuses it.
//
//   node prism-mix.mjs <prism binary> <spec> <mock base URL>
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { once } from "node:events";

const [prismBin, specPath, mockURL] = process.argv.slice(2);

async function freePort() {
  const s = createServer().listen(0, "127.0.0.1");
  await once(s, "listening");
  const { port } = s.address();
  s.close();
  return port;
}

// startPrism runs `prism proxy` on a free loopback port and waits until it answers.
async function startPrism(upstream, extra = []) {
  const port = await freePort();
  const proc = spawn(prismBin, ["proxy", specPath, upstream, "--host", "127.0.0.1", "--port", String(port), ...extra], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  proc.stdout.on("data", (d) => (log += d));
  proc.stderr.on("data", (d) => (log += d));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 150; i++) {
    try {
      await fetch(base + "/healthz");
      return { base, proc, log: () => log };
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  proc.kill();
  throw new Error(`prism did not start:\n${log}`);
}

const creds = { bk_app_code: "esb_test", bk_app_secret: "xxx", bk_username: "admin" };
const header = JSON.stringify(creds);
const json = { "Content-Type": "application/json" };
const v3 = { ...json, "X-Bkapi-Authorization": header };
const esb = (path, body, headers = {}) => ({ method: "POST", path: `/api/c/compapi/v2/cc/${path}/`, headers: { ...json, ...headers }, body });
const name = (s) => `prism-${s}-${process.pid}`;

// valid: CMDB accepts the request as it is, so the spec must too. A body that is not JSON is left
// out: Prism 5 never answers one (the proxy waits for a parse that does not come).
const calls = [
  { what: "ESB create, the seed example", valid: true, ...esb("create_set", { ...creds, bk_token: "xxx", bk_supplier_account: "123456789", bk_biz_id: 1, data: { bk_parent_id: 1, bk_set_name: name("seed"), default: 0, bk_set_desc: "test-set", bk_capacity: 1000, description: "description", set_template_id: 1 } }) },
  { what: "ESB create, credentials in the header", valid: true, ...esb("create_set", { bk_biz_id: 2, data: { bk_parent_id: 2, bk_set_name: name("header") } }, { "X-Bkapi-Authorization": header }) },
  { what: "ESB create, name with spaces around it, Chinese", valid: true, ...esb("create_set", { ...creds, bk_biz_id: "2", data: { bk_parent_id: 2, bk_set_name: ` ${name("spaced")} `, bk_set_env: "1" } }, { "Blueking-Language": "zh-cn" }) },
  { what: "ESB create, the same name again", valid: true, ...esb("create_set", { ...creds, bk_biz_id: 1, data: { bk_parent_id: 1, bk_set_name: name("seed") } }) },
  { what: "ESB create, a user without permission", valid: true, ...esb("create_set", { ...creds, bk_username: "noperm", bk_biz_id: 2, data: { bk_parent_id: 2, bk_set_name: name("denied") } }) },
  { what: "v3 create", valid: true, method: "POST", path: "/api/v3/set/2", headers: { ...v3, "X-Bkapi-Language": "en" }, body: { bk_parent_id: 2, bk_set_name: name("v3"), bk_capacity: 5 } },
  { what: "v3 create, an unknown template", valid: true, method: "POST", path: "/api/v3/set/2", headers: v3, body: { bk_parent_id: 2, bk_set_name: name("tpl"), set_template_id: 99 } },
  { what: "ESB search", valid: true, ...esb("search_set", { ...creds, bk_biz_id: 2, fields: ["bk_set_id", "bk_set_name"], condition: { bk_set_name: { $in: [name("v3"), name("header")] } }, page: { start: 0, limit: 10, sort: "-bk_set_id" } }) },
  { what: "v3 search", valid: true, method: "POST", path: "/api/v3/set/search/0/2", headers: v3, body: { condition: { bk_set_name: { $regex: "^prism-" } }, page: { start: 0, limit: 0 } } },
  { what: "ESB delete of a built-in set", valid: true, ...esb("delete_set", { ...creds, bk_biz_id: 2, bk_set_id: 2 }) },
  { what: "v3 delete of a missing set", valid: true, method: "DELETE", path: "/api/v3/set/2/999999", headers: v3 },
  { what: "ESB search_object_attribute, as bk-sops sends it", valid: true, ...esb("search_object_attribute", { ...creds, bk_obj_id: "set", bk_supplier_account: 0 }) },
  { what: "v3 get_mainline_object_topo", valid: true, method: "POST", path: "/api/v3/find/topomodelmainline", headers: v3 },
  { what: "v3 search_biz_inst_topo with the idle set", valid: true, method: "POST", path: "/api/v3/find/topoinst/biz/1?with_default=1", headers: v3 },
  { what: "ESB search_biz_inst_topo", valid: true, ...esb("search_biz_inst_topo", { ...creds, bk_biz_id: 1, level: -1 }) },
  { what: "ESB update_set of a built-in set", valid: true, ...esb("update_set", { ...creds, bk_biz_id: 2, bk_set_id: 2, data: { bk_set_desc: "x" } }) },
  { what: "v3 batch_delete_set of a missing set", valid: true, method: "DELETE", path: "/api/v3/set/2/batch", headers: v3, body: { delete: { inst_ids: [999999] } } },
  { what: "ESB search_business, as bk-nodeman sends it", valid: true, ...esb("search_business", { ...creds, fields: ["bk_biz_id", "bk_biz_name"], condition: {} }) },
  { what: "v3 search_business, a page as bk-job asks it", valid: true, method: "POST", path: "/api/v3/biz/search/0", headers: v3, body: { page: { start: 0, limit: 200, sort: "bk_biz_id" } } },
  { what: "ESB create_module in the idle set", valid: true, ...esb("create_module", { ...creds, bk_biz_id: 2, bk_set_id: 2, data: { bk_parent_id: 2, bk_module_name: name("m"), operator: "admin,bob" } }) },
  { what: "v3 create_module, the same name again", valid: true, method: "POST", path: "/api/v3/module/2/2", headers: v3, body: { bk_parent_id: 2, bk_module_name: name("m") } },
  { what: "v3 search_module of a business", valid: true, method: "POST", path: "/api/v3/module/search/0/2/0", headers: v3, body: { fields: ["bk_module_id", "bk_module_name"], page: { start: 0, limit: 10 } } },
  { what: "ESB find_module_batch", valid: true, ...esb("find_module_batch", { ...creds, bk_biz_id: 2, bk_ids: [4, 5], fields: ["bk_module_name"] }) },
  { what: "v3 get_biz_internal_module", valid: true, method: "GET", path: "/api/v3/topo/internal/0/2", headers: v3 },
  { what: "ESB update_module of a built-in module", valid: true, ...esb("update_module", { ...creds, bk_biz_id: 2, bk_set_id: 2, bk_module_id: 4, data: { bk_module_name: "x" } }) },
  { what: "v3 delete_module of a missing module", valid: true, method: "DELETE", path: "/api/v3/module/2/2/999999", headers: v3 },
  { what: "v3 find_set_batch", valid: true, method: "POST", path: "/api/v3/findmany/set/bk_biz_id/1", headers: v3, body: { bk_ids: [1], fields: ["bk_set_name"] } },
  { what: "ESB find_topo_node_paths of a module", valid: true, ...esb("find_topo_node_paths", { ...creds, bk_biz_id: 2, bk_nodes: [{ bk_obj_id: "module", bk_inst_id: 4 }] }) },
  { what: "v3 create_inst of a built-in model", valid: true, method: "POST", path: "/api/v3/create/instance/object/set", headers: v3, body: { bk_inst_name: "x", bk_parent_id: 2, bk_biz_id: 2 } },
  { what: "ESB create without credentials", valid: true, ...esb("create_set", { bk_biz_id: 2, data: { bk_parent_id: 2, bk_set_name: name("nocreds") } }) },
  { what: "ESB create, business as a word", ...esb("create_set", { ...creds, bk_biz_id: "abc", data: { bk_parent_id: 2, bk_set_name: "x" } }) },
  { what: "ESB create, data not a dict", ...esb("create_set", { ...creds, bk_biz_id: 2, data: "x" }) },
  { what: "v3 create, name with an inner space", method: "POST", path: "/api/v3/set/2", headers: v3, body: { bk_parent_id: 2, bk_set_name: "a b" } },
  { what: "v3 create, capacity out of range", method: "POST", path: "/api/v3/set/2", headers: v3, body: { bk_parent_id: 2, bk_set_name: name("cap"), bk_capacity: 0 } },
  { what: "v3 create without credentials: the gateway's 400", method: "POST", path: "/api/v3/set/2", headers: { "Content-Type": "application/json" }, body: { bk_parent_id: 2, bk_set_name: name("nocreds") } },
  { what: "v3 create, business id as a word", method: "POST", path: "/api/v3/set/abc", headers: v3, body: { bk_parent_id: 2, bk_set_name: name("abc") } },
  { what: "v3 create, a body over the mock's limit", method: "POST", path: "/api/v3/set/2", headers: v3, raw: JSON.stringify({ bk_parent_id: 2, bk_set_name: "big", description: "x".repeat(70 << 10) }) },
  { what: "ESB create, headers over the mock's limit", ...esb("create_set", { ...creds, bk_biz_id: 2, data: { bk_parent_id: 2, bk_set_name: "x" } }, { "X-Padding": "p".repeat(6 << 10) }) },
];

const problems = [];
const prism = await startPrism(mockURL);
try {
  for (const c of calls) {
    const res = await fetch(prism.base + c.path, {
      method: c.method,
      headers: c.headers,
      body: c.raw ?? (c.body && JSON.stringify(c.body)),
      signal: AbortSignal.timeout(20_000),
    });
    const text = await res.text();
    const violations = JSON.parse(res.headers.get("sl-violations") ?? "[]");
    const inResponse = violations.filter((v) => v.location[0] === "response");
    if (inResponse.length > 0) problems.push(`${c.what}: the answer breaks the contract: ${JSON.stringify(inResponse)}\n  ${res.status} ${text}`);
    if (c.valid && violations.length > 0) problems.push(`${c.what}: a call CMDB accepts is refused by the spec: ${JSON.stringify(violations)}`);
    let body;
    try {
      body = JSON.parse(text);
    } catch {
      problems.push(`${c.what}: not JSON: ${res.status} ${text.slice(0, 200)}`);
      continue;
    }
    console.log(`${res.status} code ${body.code ?? body.bk_error_code}\t${c.what}${violations.length ? ` (request: ${violations.length} violations)` : ""}`);
  }
} finally {
  prism.proc.kill();
}

// The proxy validates answers at all: an upstream that breaks the envelope is refused.
const nonsense = createServer((_, res) => {
  res.writeHead(200, { "Content-Type": "application/json" });
  res.end('{"result":"yes","code":"zero"}');
}).listen(0, "127.0.0.1");
await once(nonsense, "listening");
const strict = await startPrism(`http://127.0.0.1:${nonsense.address().port}`, ["--errors"]);
try {
  const res = await fetch(strict.base + "/api/c/compapi/v2/cc/create_set/", {
    method: "POST",
    headers: json,
    body: JSON.stringify(calls[0].body),
    signal: AbortSignal.timeout(20_000),
  });
  const violations = JSON.parse(res.headers.get("sl-violations") ?? "[]").filter((v) => v.location[0] === "response");
  if (res.status !== 500 || violations.length === 0) problems.push(`prism proxy --errors let a broken answer through: ${res.status} ${await res.text()}`);
  else console.log(`${res.status}\t\ta broken upstream answer is refused (${violations.length} response violations)`);
} finally {
  strict.proc.kill();
  nonsense.close();
}

if (problems.length > 0) {
  console.error(problems.join("\n"));
  process.exit(1);
}
console.log(`prism: ${calls.length} calls through the validating proxy, no answer broke the contract`);
