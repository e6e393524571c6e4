// check.mjs - validates every document of deploy/kubernetes/**/*.yaml against the JSON
// schemas of kubernetes-models (Kubernetes 1.27.1's OpenAPI) and
// @kubernetes-models/prometheus-operator (the Operator's CRDs), pinned in package-lock.json.
// Also checks what the schemas cannot: the restricted security context, and that
// --shard's N equals spec.replicas. Prints one line per document; exits 1 on any failure.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { parseAllDocuments } from "yaml";

const root = process.argv[2];
const files = [];
(function walk(dir) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith(".yaml")) files.push(p);
  }
})(root);

function modulePath(apiVersion) {
  if (apiVersion.startsWith("monitoring.coreos.com/"))
    return "@kubernetes-models/prometheus-operator/" + apiVersion;
  return "kubernetes-models/" + apiVersion;
}

function restricted(kind, obj, fail) {
  if (kind !== "StatefulSet") return;
  const pod = obj.spec.template.spec;
  if (pod.securityContext?.runAsNonRoot !== true) fail("pod: runAsNonRoot is not true");
  if (pod.securityContext?.seccompProfile?.type !== "RuntimeDefault")
    fail("pod: seccompProfile is not RuntimeDefault");
  for (const c of pod.containers) {
    const sc = c.securityContext ?? {};
    if (sc.readOnlyRootFilesystem !== true) fail(`${c.name}: readOnlyRootFilesystem is not true`);
    if (sc.allowPrivilegeEscalation !== false) fail(`${c.name}: allowPrivilegeEscalation`);
    if (JSON.stringify(sc.capabilities?.drop) !== '["ALL"]') fail(`${c.name}: drop ALL caps`);
    if (!c.resources?.requests?.cpu || !c.resources?.requests?.memory)
      fail(`${c.name}: no resource requests`);
    const shard = (c.args ?? []).find((a) => a.startsWith("--shard="));
    const n = shard && Number(shard.split("/")[1]);
    if (n !== obj.spec.replicas)
      fail(`${c.name}: --shard N (${n}) differs from spec.replicas (${obj.spec.replicas})`);
  }
}

let failures = 0;
for (const file of files) {
  for (const doc of parseAllDocuments(readFileSync(file, "utf8"))) {
    const obj = doc.toJS();
    if (!obj) continue;
    const where = `${relative(process.cwd(), file)}: ${obj.kind}/${obj.metadata?.name}`;
    const errors = [];
    const fail = (m) => errors.push(m);
    if (doc.errors.length) fail(doc.errors.map((e) => e.message).join("; "));
    try {
      const mod = await import(modulePath(obj.apiVersion));
      const Model = mod[obj.kind];
      if (!Model) fail(`no ${obj.kind} in ${obj.apiVersion}`);
      else new Model(obj).validate();
    } catch (e) {
      fail(e.message);
    }
    restricted(obj.kind, obj, fail);
    failures += errors.length ? 1 : 0;
    console.log(errors.length ? `not ok - ${where}: ${errors.join("; ")}` : `ok - ${where}`);
  }
}
process.exit(failures ? 1 : 0);
