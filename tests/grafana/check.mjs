// check.mjs - checks the shipped dashboards (grafana-dashboards/*.json) with Grafana's own
// libraries, at the version docker-compose.yml pins (package.json: @grafana/* 11.6.0, and the
// @grafana/scenes release Grafana 11.6.0 shipped with). Run through tests/grafana/run.sh,
// which installs the packages from package-lock.json into a cache and passes --modules.
//
//   schema         each dashboard and each panel is a TypeScript literal checked by
//                  `tsc --strict` against @grafana/schema's Dashboard and the panel type's
//                  own Options/FieldConfig (excess keys, wrong types, wrong enum values);
//                  each query target against @grafana/prometheus's PromQuery
//   units          every unit (defaults and overrides) is in @grafana/data's unit registry
//   transformations  every transformation id is in @grafana/data's transformer registry
//   interpolation  every query and annotation expression is interpolated by @grafana/scenes
//                  (the scene's variables: one value, several values, "All") through the
//                  Prometheus data source's own applyTemplateVariables/interpolateQueryExpr
//                  (@grafana/prometheus); no dashboard variable may survive, and no
//                  multi-value selection may land in an exact-match (=, !=) label matcher;
//                  the variables' own label_values() queries are interpolated as
//                  PrometheusVariableSupport does
//   self-tests     tsc must reject the dashboards as they were (fixtures/before/), and a
//                  query mutated to use $port in an exact matcher and a misspelt variable
//                  must fail the interpolation check
//
// Options:
//   --modules DIR        node_modules with the packages (required)
//   --values FILE        JSON {"device": [...], "port": [...]}: the label values to select
//                        (default: SAMPLE_VALUES below)
//   --queries-out FILE   write every interpolated query as JSON for tests/e2e/test_prometheus.py
//                        (built-ins the Prometheus backend resolves, such as $__rate_interval
//                        and $__range, are left in place, as Grafana's frontend leaves them)
// Closes with "grafana: N passed, N failed"; exits non-zero on any failure.
import fs from 'node:fs';
import Module, { createRequire } from 'node:module';
import os from 'node:os';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const DASHBOARD_DIR = path.join(ROOT, 'grafana-dashboards');

// Label values for the interpolation check when no --values file is given: the e2e profile's
// names (tests/e2e/e2e.yaml).
const SAMPLE_VALUES = {
  device: ['leaf1', 'leaf2', 'leaf3', 'spine1'],
  port: ['Ethernet1', 'Ethernet2', 'Ethernet3', 'Ethernet4', 'Ethernet5', 'Ethernet6', 'Uplink1', 'Uplink2'],
};
// Built-in variables Grafana's backend (not the frontend) resolves for Prometheus queries.
const BACKEND_BUILTINS = ['__rate_interval', '__range', '__range_s', '__range_ms', '__interval', '__interval_ms'];
// The panel types the dashboards may use, and where @grafana/schema keeps their generated types.
const PANEL_TYPES = {
  timeseries: 'timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen.js',
  stat: 'stat/panelcfg/x/StatPanelCfg_types.gen.js',
  table: 'table/panelcfg/x/TablePanelCfg_types.gen.js',
  'state-timeline': 'statetimeline/panelcfg/x/StateTimelinePanelCfg_types.gen.js',
  'status-history': 'statushistory/panelcfg/x/StatusHistoryPanelCfg_types.gen.js',
  bargauge: 'bargauge/panelcfg/x/BarGaugePanelCfg_types.gen.js',
  gauge: 'gauge/panelcfg/x/GaugePanelCfg_types.gen.js',
  text: 'text/panelcfg/x/TextPanelCfg_types.gen.js',
};

function parseArgs(argv) {
  const opts = {};
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    if (!['modules', 'values', 'queries-out'].includes(key) || argv[i + 1] === undefined) {
      throw new Error(`usage: check.mjs --modules DIR [--values FILE] [--queries-out FILE] (bad: ${argv[i]})`);
    }
    opts[key] = argv[i + 1];
  }
  if (!opts.modules) throw new Error('--modules DIR is required');
  return opts;
}

const opts = isMainThread ? parseArgs(process.argv.slice(2)) : workerData;
const MODULES = path.resolve(opts.modules);
const require = createRequire(path.join(MODULES, '..', 'package.json'));

// ---- results ---------------------------------------------------------------------------------
let passed = 0;
let failed = 0;
let lastReport = Date.now();
function report(name, problems) {
  const took = `(${((Date.now() - lastReport) / 1000).toFixed(1)}s)`;
  lastReport = Date.now();
  if (problems.length === 0) {
    passed += 1;
    console.log(`ok - ${name} ${took}`);
  } else {
    failed += 1;
    console.log(`not ok - ${name} ${took}`);
    for (const p of problems) console.log(`    ${p}`);
  }
}

function loadDashboards(dir = DASHBOARD_DIR, prefix = '') {
  return fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort()
    .map((f) => ({ file: prefix + f, json: JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) }));
}
// The dashboards as they were before these checks: the self-tests prove the checks fail on them.
const BEFORE_DIR = path.join(HERE, 'fixtures', 'before');

function allPanels(d) {
  const out = [];
  for (const p of d.panels ?? []) {
    out.push(p);
    for (const q of p.panels ?? []) out.push(q);
  }
  return out;
}

// ---- 1. schema: tsc --strict over generated TypeScript -------------------------------------
function schemaCheck(dashboards) {
  const ts = require('typescript');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchsim-grafana-ts-'));
  try {
    fs.symlinkSync(MODULES, path.join(dir, 'node_modules'), 'dir');
    const header = [
      "import type * as S from '@grafana/schema';",
      "import type { PromQuery } from '@grafana/prometheus';",
      "import type { QueryVariableModel } from '@grafana/data';",
      ...Object.entries(PANEL_TYPES).map(([t, p], i) =>
        `import type * as P${i} from '@grafana/schema/dist/esm/raw/composable/${p}'; // ${t}`),
      // JSON carries enum values as plain strings: compare against the enums' values.
      'type Json<T> = T extends string ? `${T}` : T extends number | boolean | null | undefined ? T',
      '  : T extends ReadonlyArray<infer U> ? Array<Json<U>> : T extends object ? { [K in keyof T]: Json<T[K]> } : T;',
      "type Target = Json<PromQuery>;",
      "type PanelOf<O, F> = Json<Omit<S.Panel, 'options' | 'fieldConfig' | 'targets'> & {",
      '  options?: Partial<O>;',
      "  fieldConfig?: { defaults: Omit<S.FieldConfig, 'custom'> & { custom?: Partial<F> }; overrides: S.FieldConfigSource['overrides'] };",
      '}> & { targets?: Target[] };',
      // Prometheus annotations keep their query beside the generic fields (what the 11.6
      // AnnotationQueryEditor of @grafana/prometheus reads and writes).
      'type AnnotationOf = Json<Omit<S.AnnotationQuery, "target">> & Partial<Target> & { titleFormat?: string; textFormat?: string; tagKeys?: string; useValueForTime?: boolean; step?: string };',
      // Query variables also carry the display text of their query (@grafana/data).
      "type VariableOf = Json<S.VariableModel> & Partial<Pick<QueryVariableModel, 'definition'>>;",
      "type DashboardOf = Omit<Json<S.Dashboard>, 'annotations' | 'templating'> & { annotations?: { list?: AnnotationOf[] }; templating?: { list?: VariableOf[] } };",
      '',
    ];
    const typeIndex = Object.fromEntries(Object.keys(PANEL_TYPES).map((t, i) => [t, i]));
    const files = [];
    const where = {}; // generated file -> line -> what
    const problems = [];
    for (const { file, json } of dashboards) {
      const lines = [...header];
      const mark = (what) => { where[out] ??= []; where[out].push([lines.length + 1, what]); };
      const out = path.join(dir, file.replace(/\W/g, '_') + '.ts');
      lines.push(`// ${file}`);
      mark(`${file}`);
      lines.push(...`export const dashboard = ${JSON.stringify(json, null, 1)} satisfies DashboardOf;`.split('\n'));
      for (const a of json.annotations?.list ?? []) {
        mark(`${file}: annotation ${JSON.stringify(a.name)}`);
        lines.push(...`export const annotation_${lines.length} = ${JSON.stringify(a, null, 1)} satisfies AnnotationOf;`.split('\n'));
      }
      for (const p of allPanels(json)) {
        if (p.type === 'row') continue;
        if (!(p.type in typeIndex)) {
          problems.push(`${file}: panel ${JSON.stringify(p.title)}: type ${p.type} has no schema here (add it to PANEL_TYPES)`);
          continue;
        }
        const t = `P${typeIndex[p.type]}`;
        const custom = p.type === 'stat' || p.type === 'text' || p.type === 'gauge' || p.type === 'bargauge' ? 'Record<string, never>' : `${t}.FieldConfig`;
        mark(`${file}: panel ${JSON.stringify(p.title)} (${p.type})`);
        lines.push(...`export const panel_${p.id} = ${JSON.stringify(p, null, 1)} satisfies PanelOf<${t}.Options, ${custom}>;`.split('\n'));
      }
      fs.writeFileSync(out, lines.join('\n') + '\n');
      files.push(out);
    }
    const program = ts.createProgram(files, {
      strict: true, noEmit: true, skipLibCheck: true, target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler,
      types: [], jsx: ts.JsxEmit.ReactJSX,
    });
    for (const diag of ts.getPreEmitDiagnostics(program)) {
      const msg = ts.flattenDiagnosticMessageText(diag.messageText, '\n      ');
      if (!diag.file) { problems.push(msg); continue; }
      const line = diag.file.getLineAndCharacterOfPosition(diag.start).line + 1;
      const marks = (where[diag.file.fileName] ?? []).filter(([l]) => l <= line);
      const what = marks.length ? marks[marks.length - 1][1] : path.basename(diag.file.fileName);
      const src = diag.file.text.split('\n')[line - 1].trim();
      problems.push(`${what}: at ${src}: ${msg}`);
    }
    return problems;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// ---- DOM for @grafana/ui and @grafana/scenes in node ----------------------------------------
function setUpDom() {
  // The packages' CommonJS builds require stylesheets and assets a bundler would handle.
  for (const ext of ['.css', '.scss', '.svg', '.png']) Module._extensions[ext] = (m) => { m.exports = {}; };
  // The query editor's syntax highlighting (monaco-promql) is ESM-only and needs a browser;
  // the code under test never calls it, so it gets the one constant read at load time.
  const STUBS = { 'monaco-promql': { promLanguageDefinition: { id: 'promql' } } };
  for (const [name, exports] of Object.entries(STUBS)) {
    const m = new Module(`stub:${name}`);
    m.exports = exports;
    m.loaded = true;
    require.cache[`stub:${name}`] = m;
  }
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function (request, ...rest) {
    if (STUBS[request]) return `stub:${request}`;
    try {
      return resolve.call(this, request, ...rest);
    } catch (e) {
      // @grafana/scenes requires schema files without their extension (a bundler adds it).
      if (e.code === 'MODULE_NOT_FOUND' && request.startsWith('@grafana/schema/dist/')) {
        return resolve.call(this, `${request}.js`, ...rest);
      }
      throw e;
    }
  };
  const { JSDOM } = require('jsdom');
  const win = new JSDOM('<!doctype html><html><body></body></html>',
    { url: 'http://localhost:3000/', pretendToBeVisual: true }).window;
  win.matchMedia = () => ({ matches: false, addListener() {}, removeListener() {}, addEventListener() {}, removeEventListener() {} });
  const noopObserver = class { observe() {} unobserve() {} disconnect() {} };
  win.IntersectionObserver = noopObserver;
  win.ResizeObserver = noopObserver;
  for (const k of Object.getOwnPropertyNames(win)) {
    if (k in globalThis) continue;
    try { globalThis[k] = win[k]; } catch { /* read-only global */ }
  }
  for (const k of ['Event', 'CustomEvent', 'EventTarget', 'IntersectionObserver', 'ResizeObserver']) globalThis[k] = win[k];
  globalThis.window = win;
  globalThis.document = win.document;
  Object.defineProperty(globalThis, 'navigator', { value: win.navigator, configurable: true });
}

// ---- 2. units and transformations ------------------------------------------------------------
function unitCheck(dashboards, data) {
  const known = new Set();
  const walk = (items) => { for (const it of items) { if (it.value) known.add(it.value); if (it.submenu) walk(it.submenu); } };
  walk(data.getValueFormats());
  const problems = [];
  for (const { file, json } of dashboards) {
    for (const p of allPanels(json)) {
      if (p.type === 'row') continue;
      const units = [['defaults', p.fieldConfig?.defaults?.unit]];
      for (const o of p.fieldConfig?.overrides ?? []) {
        for (const prop of o.properties ?? []) if (prop.id === 'unit') units.push([`override ${o.matcher?.options}`, prop.value]);
      }
      for (const [at, unit] of units) {
        if (unit === undefined && at === 'defaults') {
          problems.push(`${file}: panel ${JSON.stringify(p.title)}: no unit`);
        } else if (!known.has(unit)) {
          problems.push(`${file}: panel ${JSON.stringify(p.title)} (${at}): unit ${JSON.stringify(unit)} is not in Grafana's unit registry`);
        }
      }
    }
  }
  return { problems, count: known.size };
}

function transformationCheck(dashboards, data) {
  // The registry itself is filled by the Grafana app at start-up, from these.
  const known = new Set(Object.values(data.standardTransformers).map((t) => t.id));
  const problems = [];
  for (const { file, json } of dashboards) {
    for (const p of allPanels(json)) {
      for (const t of p.transformations ?? []) {
        if (!known.has(t.id)) {
          problems.push(`${file}: panel ${JSON.stringify(p.title)}: transformation ${JSON.stringify(t.id)} is not in Grafana's registry`);
        }
      }
    }
  }
  return problems;
}

// ---- 3. interpolation by scenes + the Prometheus data source -------------------------------
function interpolation(dashboards, values, libs) {
  const { scenes, prometheus } = libs;
  const { sceneGraph } = scenes;
  const problems = [];
  const queries = [];

  // Grafana's TemplateSrv hands interpolation to the active scene (public/app/features/
  // templating/template_srv.ts): the same call, on the scene of the dashboard being checked.
  let current = null;
  const templateSrv = {
    replace: (target, scopedVars, format) => sceneGraph.interpolate(current, target ?? '', scopedVars, format),
    getVariables: () => [],
    containsTemplate: (t) => /\$|\[\[/.test(t ?? ''),
    updateTimeRange() {},
  };
  const ds = new prometheus.PrometheusDatasource({
    id: 1, uid: 'prometheus', type: 'prometheus', name: 'Prometheus', access: 'proxy', url: 'http://prometheus:9090',
    readOnly: true, jsonData: { timeInterval: '5s', httpMethod: 'POST' }, meta: { id: 'prometheus', info: { version: '' } },
  }, templateSrv);

  const selections = (variables) => {
    // one: the first value everywhere; several: the first two where the variable is
    // multi-valued; all: "All" where it exists.
    const pick = (v, mode) => {
      const opts = values[v.name] ?? [];
      if (mode === 'all' && v.includeAll) return { value: ['$__all'], text: ['All'] };
      if (mode === 'several' && v.multi) return { value: opts.slice(0, 2), text: opts.slice(0, 2) };
      return v.multi ? { value: [opts[0]], text: [opts[0]] } : { value: opts[0], text: opts[0] };
    };
    return ['one', 'several', 'all'].map((mode) => ({ mode, pick: (v) => pick(v, mode) }));
  };

  for (const { file, json } of dashboards) {
    const vars = json.templating?.list ?? [];
    for (const v of vars) {
      if (v.type === 'query' && !(v.name in values)) problems.push(`${file}: no sample values for variable ${v.name}`);
    }
    for (const sel of selections(vars)) {
      const sceneVars = vars.map((v) => {
        if (v.type === 'datasource') {
          return new scenes.DataSourceVariable({ name: v.name, label: v.label, pluginId: v.query, value: 'prometheus', text: 'Prometheus' });
        }
        const opts = (values[v.name] ?? []).map((x) => ({ label: x, value: x }));
        const { value, text } = sel.pick(v);
        return new scenes.QueryVariable({
          name: v.name, label: v.label, query: v.query, datasource: v.datasource, isMulti: !!v.multi,
          includeAll: !!v.includeAll, allValue: v.allValue, options: opts, value, text,
        });
      });
      current = new scenes.EmbeddedScene({
        $timeRange: new scenes.SceneTimeRange({ from: json.time?.from ?? 'now-6h', to: json.time?.to ?? 'now' }),
        $variables: new scenes.SceneVariableSet({ variables: sceneVars }),
        body: new scenes.SceneFlexLayout({ children: [] }),
      });
      const targets = [];
      for (const p of allPanels(json)) {
        for (const t of p.targets ?? []) targets.push({ where: `panel ${JSON.stringify(p.title)} query ${t.refId}`, panel: p, t });
      }
      for (const a of json.annotations?.list ?? []) {
        if (a.expr) targets.push({ where: `annotation ${JSON.stringify(a.name)}`, panel: null, t: { refId: 'Anno', expr: a.expr, range: true } });
      }
      // The variables' own queries, as PrometheusVariableSupport interpolates them (the
      // selection only matters to variables that follow another).
      for (const v of vars) {
        const q = typeof v.query === 'string' ? v.query : v.query?.query;
        if (v.type !== 'query' || !q) continue;
        const expr = ds.interpolateString(q, {});
        if (/\$\{?\w|\[\[/.test(expr)) problems.push(`${file}: variable ${v.name} [${sel.mode}]: not interpolated: ${expr}`);
        queries.push({ dashboard: file, title: `variable ${v.name}`, panel_type: 'variable', refId: v.name,
          selection: sel.mode, expr, instant: true, legendFormat: '' });
      }
      for (const { where, panel, t } of targets) {
        const out = ds.applyTemplateVariables({ ...t }, {}, []);
        const left = [...out.expr.matchAll(/\$\{?(\w+)|\[\[(\w+)/g)].map((m) => m[1] ?? m[2])
          .filter((n) => !BACKEND_BUILTINS.includes(n));
        const at = `${file}: ${where} [${sel.mode}]`;
        if (left.length) problems.push(`${at}: not interpolated: ${left.map((n) => '$' + n).join(', ')} in ${out.expr}`);
        for (const m of out.expr.matchAll(/(\w+)\s*(!?=)\s*"((?:[^"\\]|\\.)*)"/g)) {
          if (/[|]|\\\\/.test(m[3])) problems.push(`${at}: exact matcher ${m[1]}${m[2]}"${m[3]}" got a regex (use =~ for a multi-value variable)`);
        }
        if (out.expr.includes('$__all')) problems.push(`${at}: $__all reached the query`);
        queries.push({
          dashboard: file, title: panel ? panel.title : where, panel_type: panel ? panel.type : 'annotation',
          refId: t.refId, selection: sel.mode, expr: out.expr, instant: !!t.instant && !t.range,
          legendFormat: out.legendFormat ?? '',
        });
      }
    }
  }
  return { problems: [...new Set(problems)], queries };
}

// ---- main ------------------------------------------------------------------------------------
// The type check (about 10 s: @grafana/prometheus's types pull in @grafana/ui's) runs in a
// worker thread while the main thread loads the runtime libraries.
if (!isMainThread) {
  // One program for the shipped dashboards and the old ones (the self-test).
  parentPort.postMessage(schemaCheck([...loadDashboards(), ...loadDashboards(BEFORE_DIR, 'before/')]));
} else {
  const t0 = Date.now();
  const dashboards = loadDashboards();
  const schema = new Promise((resolve, reject) => {
    const w = new Worker(fileURLToPath(import.meta.url), { workerData: opts });
    w.once('message', resolve);
    w.once('error', reject);
  });
  setUpDom();
  const data = require('@grafana/data');
  const units = unitCheck(dashboards, data);
  report(`units: every panel unit is one of the ${units.count} in @grafana/data's registry`, units.problems);
  report('transformations: every id is in @grafana/data\'s registry', transformationCheck(dashboards, data));
  const libs = { scenes: require('@grafana/scenes'), prometheus: require('@grafana/prometheus') };
  const values = opts.values ? JSON.parse(fs.readFileSync(opts.values, 'utf8')) : SAMPLE_VALUES;
  const interp = interpolation(dashboards, values, libs);
  report(`interpolation: ${interp.queries.length} queries (one value, several, All) by @grafana/scenes + @grafana/prometheus`, interp.problems);
  if (opts['queries-out']) fs.writeFileSync(opts['queries-out'], JSON.stringify(interp.queries, null, 1) + '\n');
  const schemaProblems = await schema;
  report(`schema: ${dashboards.length} dashboards type-check against @grafana/schema and @grafana/prometheus (tsc --strict)`,
    schemaProblems.filter((p) => !p.startsWith('before/')));
  // Self-tests: each check fails on a dashboard that has its defect.
  const old = schemaProblems.filter((p) => p.startsWith('before/'));
  report('schema self-test: tsc rejects the old dashboards (variables without a current value, incomplete links)', [
    ...['before/switch-fleet.json', 'before/switch-device.json'].filter((f) => !old.some((p) => p.startsWith(f) && p.includes('"current": {}')))
      .map((f) => `no error for the empty current of ${f}`),
    ...(old.some((p) => p.includes('targetBlank')) ? [] : ['no error for the links without targetBlank/icon/tooltip']),
  ]);
  const broken = structuredClone(dashboards);
  const device = broken.find((d) => d.file === 'switch-device.json').json;
  const victim = allPanels(device).flatMap((p) => p.targets ?? []).find((t) => t.expr.includes('port=~"$port"'));
  victim.expr = victim.expr.replace('port=~"$port"', 'port="$port"').replace('device="$device"', 'device="$devcie"');
  const caught = interpolation(broken, values, libs).problems;
  report('interpolation self-test: a multi-value variable in an exact matcher and a misspelt variable are reported', [
    ...(caught.some((p) => p.includes('exact matcher port="(')) ? [] : ['port="$port" with several ports was not reported']),
    ...(caught.some((p) => p.includes('not interpolated: $devcie')) ? [] : ['$devcie was not reported']),
  ]);
  console.log(`grafana: took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  console.log(`grafana: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}
