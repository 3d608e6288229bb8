import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, realpath, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ManifestError } from './app/errors.js';
import { globToRegExp } from './app/glob.js';
import { checkRoute } from './triggers/http/route-syntax.js';
import { loadAppWithFactors as loadApp } from './load-app.js';

/** Writes `files` (path → content) into a fresh temp dir and returns it. */
async function makeDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'spin-ts-manifest-'));
  for (const [rel, content] of Object.entries(files)) {
    const abs = path.join(dir, rel);
    await mkdir(path.dirname(abs), { recursive: true });
    await writeFile(abs, content);
  }
  return dir;
}

const WASM = '\0asm\x01\0\0\0';

/** A v2 manifest with one `hello` component; `extra` is appended. */
function v2(extra = '', triggerRoute = '"/hello"'): string {
  return `spin_manifest_version = 2

[application]
name = "demo"

[[trigger.http]]
route = ${triggerRoute}
component = "hello"

[component.hello]
source = "hello.wasm"
${extra}`;
}

async function loadV2(extra = '', files: Record<string, string> = {}, route = '"/hello"') {
  const dir = await makeDir({ 'spin.toml': v2(extra, route), 'hello.wasm': WASM, ...files });
  return { dir, app: loadApp(dir) };
}

/** Asserts a ManifestError naming the file and the field, with a fix; returns it. */
async function rejects(p: Promise<unknown>, file: string, field: string, ...fragments: (string | RegExp)[]): Promise<ManifestError> {
  let err: unknown;
  try {
    await p;
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof ManifestError, `expected a ManifestError, got ${String(err)}`);
  assert.equal(err.file, file);
  assert.equal(err.field, field);
  assert.ok(err.message.startsWith(`${file}: `) || err.message.startsWith(`${file} (`), err.message);
  if (field) assert.ok(err.message.includes(`: ${field}`), `field missing in: ${err.message}`);
  assert.ok(err.fix.length > 0);
  assert.ok(err.message.includes(err.fix.replace(/\.$/, '')), `fix missing in: ${err.message}`);
  for (const f of fragments) {
    if (typeof f === 'string') assert.ok(err.message.includes(f), `"${f}" not in: ${err.message}`);
    else assert.match(err.message, f);
  }
  return err;
}

const FULL_V1 = `spin_manifest_version = "1"
name = "shop"
version = "1.2.0"
description = "A shop"
authors = ["Ada <ada@example.com>"]
trigger = { type = "http", base = "/" }

[variables]
api_host = { default = "api.example.com" }
token = { required = true, secret = true }

[[component]]
id = "cart"
source = "cart.wasm"
description = "The cart"
ai_models = ["llama2-chat"]
allowed_outbound_hosts = ["https://{{ api_host }}"]
key_value_stores = ["default"]
sqlite_databases = ["default"]
environment = { MODE = "test" }
files = ["static/**/*.txt", { source = "assets", destination = "/assets" }]
exclude_files = ["static/secret.txt"]
config = { api_url = "https://{{ api_host }}/v1", auth = "{{token}}" }
build = { command = "make cart", workdir = "cart", watch = ["src/**/*.rs"] }
[component.trigger]
route = "/cart/..."

[[component]]
id = "users"
source = "users.wasm"
trigger = { route = "users/:id/", executor = { type = "spin" } }
`;

const FULL_V2 = `spin_manifest_version = 2

[application]
name = "shop"
version = "1.2.0"
description = "A shop"
authors = ["Ada <ada@example.com>"]

[variables]
api_host = { default = "api.example.com" }
token = { required = true, secret = true }

[[trigger.http]]
route = "/cart/..."
component = "cart"

[[trigger.http]]
route = "users/:id/"
component = "users"
executor = { type = "spin" }

[component.cart]
source = "cart.wasm"
description = "The cart"
ai_models = ["llama2-chat"]
allowed_outbound_hosts = ["https://{{ api_host }}"]
key_value_stores = ["default"]
sqlite_databases = ["default"]
environment = { MODE = "test" }
files = ["static/**/*.txt", { source = "assets", destination = "/assets" }]
exclude_files = ["static/secret.txt"]
variables = { api_url = "https://{{ api_host }}/v1", auth = "{{token}}" }
[component.cart.build]
command = "make cart"
workdir = "cart"
watch = ["src/**/*.rs"]
[component.cart.tool.something]
anything = 1

[component.users]
source = "users.wasm"
# A v1 component without allowed_outbound_hosts may reach any database host, as Spin converts v1.
allowed_outbound_hosts = ["redis://*:*", "mysql://*:*", "postgres://*:*"]
`;

test('a full v1 manifest and the equivalent v2 one normalise to the same app', async () => {
  const dir = await makeDir({
    'v1.toml': FULL_V1,
    'v2.toml': FULL_V2,
    'cart.wasm': WASM,
    'users.wasm': WASM,
    'static/a.txt': 'a',
    'static/sub/b.txt': 'b',
    'static/c.css': 'c',
    'static/secret.txt': 's',
    'assets/logo.svg': '<svg/>',
  });
  const a1 = await loadApp(path.join(dir, 'v1.toml'));
  const a2 = await loadApp(path.join(dir, 'v2.toml'));
  assert.equal(a1.manifestVersion, 1);
  assert.equal(a2.manifestVersion, 2);
  for (const app of [a1, a2]) {
    assert.equal(app.baseDir, dir);
    assert.equal(app.name, 'shop');
    assert.equal(app.version, '1.2.0');
    assert.equal(app.description, 'A shop');
    assert.deepEqual(app.authors, ['Ada <ada@example.com>']);
    assert.equal(app.httpBase, '/');
  }
  assert.deepEqual(a1.variables, a2.variables);
  assert.deepEqual(a1.variables, {
    api_host: { required: false, default: 'api.example.com', secret: false },
    token: { required: true, secret: true },
  });
  assert.deepEqual([...a1.components.keys()], ['cart', 'users']);
  assert.deepEqual(a1.components, a2.components);
  const cart = a1.components.get('cart')!;
  assert.equal(cart.source, path.join(dir, 'cart.wasm'));
  assert.equal(cart.sourceAsWritten, 'cart.wasm');
  assert.equal(cart.description, 'The cart');
  assert.deepEqual(cart.factors['llm'], { aiModels: ['llama2-chat'] });
  assert.deepEqual(cart.factors['outbound-http'], { allowedOutboundHosts: ['https://{{ api_host }}'] });
  assert.deepEqual(cart.factors['key-value'], { keyValueStores: ['default'] });
  assert.deepEqual(cart.factors['sqlite'], { sqliteDatabases: ['default'] });
  assert.deepEqual(cart.environment, { MODE: 'test' });
  assert.deepEqual(cart.variables, { api_url: 'https://{{ api_host }}/v1', auth: '{{token}}' });
  assert.deepEqual(cart.excludeFiles, ['static/secret.txt']);
  assert.deepEqual(cart.files, [
    { source: path.join(dir, 'static/a.txt'), destination: '/static/a.txt', isDirectory: false },
    { source: path.join(dir, 'static/sub/b.txt'), destination: '/static/sub/b.txt', isDirectory: false },
    { source: path.join(dir, 'assets'), destination: '/assets', isDirectory: true },
  ]);
  assert.deepEqual(cart.build, { command: ['make cart'], workdir: path.join(dir, 'cart'), watch: ['src/**/*.rs'] });
  const routes = (app: typeof a1) => app.httpTriggers.map((t) => ({ route: t.route, component: t.component, private: t.private, executor: t.executor }));
  assert.deepEqual(routes(a1), routes(a2));
  assert.deepEqual(routes(a1), [
    { route: '/cart/...', component: 'cart', private: false, executor: undefined },
    { route: '/users/:id', component: 'users', private: false, executor: { type: 'spin' } },
  ]);
  assert.deepEqual(
    a1.httpTriggers.map((t) => t.id),
    ['trigger-cart', 'trigger-users'],
  );
  assert.deepEqual(
    a2.httpTriggers.map((t) => t.id),
    ['cart-http-trigger', 'users-http-trigger'],
  );
});

test('a directory argument loads <dir>/spin.toml', async () => {
  const { dir, app } = await loadV2();
  const loaded = await app;
  assert.equal(loaded.manifestPath, path.join(dir, 'spin.toml'));
  assert.equal(loaded.components.get('hello')!.source, path.join(dir, 'hello.wasm'));
  assert.deepEqual(loaded.httpTriggers, [{ id: 'hello-http-trigger', route: '/hello', private: false, component: 'hello' }]);
});

test('a missing manifest names the path and suggests -f', async () => {
  const dir = await makeDir({});
  await rejects(loadApp(dir), path.join(dir, 'spin.toml'), '', 'not found', '-f');
  await rejects(loadApp(path.join(dir, 'nope.toml')), path.join(dir, 'nope.toml'), '', '-f');
});

test('TOML syntax errors carry line and column', async () => {
  const dir = await makeDir({ 'spin.toml': 'spin_manifest_version = 2\n[application]\nname = \n' });
  const file = path.join(dir, 'spin.toml');
  const err = await rejects(loadApp(dir), file, '', 'invalid TOML', '(line 3, column');
  assert.equal(err.line, 3);
  assert.equal(typeof err.column, 'number');
});

test('manifest versions: "1" and 2 only', async () => {
  const cases: [string, string, string][] = [
    ['spin_manifest_version = "3"', 'spin_manifest_version', 'invalid manifest version: "3"'],
    ['spin_manifest_version = 3', 'spin_manifest_version', 'invalid manifest version: "3"'],
    ['spin_manifest_version = "2"', 'spin_manifest_version', 'invalid manifest version: "2"'],
    ['spin_manifest_version = 1', 'spin_manifest_version', 'invalid manifest version: "1"'],
    ['spin_version = "2"', 'spin_version', 'invalid manifest version: "2"'],
    ['name = "x"', 'spin_manifest_version', 'invalid manifest version: ""'],
  ];
  for (const [line, field, text] of cases) {
    const dir = await makeDir({ 'spin.toml': `${line}\n` });
    await rejects(loadApp(dir), path.join(dir, 'spin.toml'), field, text);
  }
  const dir = await makeDir({
    'spin.toml': 'spin_version = "1"\nname = "old"\ntrigger = { type = "http" }\n[[component]]\nid = "a"\nsource = "a.wasm"\ntrigger = { route = "/" }\n',
    'a.wasm': WASM,
  });
  const app = await loadApp(dir);
  assert.equal(app.manifestVersion, 1);
  assert.equal(app.httpTriggers[0]!.route, '/');
});

test('unknown keys name the key, list the allowed ones and give the position', async () => {
  const { dir, app } = await loadV2('sourc = "x"\n');
  const err = await rejects(app, path.join(dir, 'spin.toml'), 'component.hello.sourc', 'unknown key "sourc"', 'Did you mean "source"?', 'ai_models');
  assert.equal(err.line, 12);
  assert.equal(err.column, 1);

  const top = await makeDir({ 'spin.toml': 'spin_manifest_version = 2\nbogus = 1\n' });
  const e2 = await rejects(loadApp(top), path.join(top, 'spin.toml'), 'bogus', 'unknown key "bogus"', 'application');
  assert.equal(e2.line, 2);

  const trig = await loadV2('', {}, '"/x"\nrout = "/y"');
  await rejects(trig.app, path.join(trig.dir, 'spin.toml'), 'trigger.http[0].rout', 'Did you mean "route"?');

  const v1 = await makeDir({
    'spin.toml':
      'spin_manifest_version = "1"\nname = "a"\ntrigger = { type = "http" }\n[[component]]\nid = "a"\nsource = "a.wasm"\ntrigger = { route = "/" }\n[[component]]\nid = "b"\nsource = "a.wasm"\nai_model = ["x"]\ntrigger = { route = "/b" }\n',
    'a.wasm': WASM,
  });
  const e3 = await rejects(loadApp(v1), path.join(v1, 'spin.toml'), 'component[1].ai_model', 'Did you mean "ai_models"?');
  assert.equal(e3.line, 11);

  const inline = await loadV2('variables = { x = "1" }\n[component.hello.build]\ncommand = "make"\ndir = "x"\n');
  await rejects(inline.app, path.join(inline.dir, 'spin.toml'), 'component.hello.build.dir', 'command, workdir, watch');
});

test('missing required fields', async () => {
  const noName = await makeDir({ 'spin.toml': 'spin_manifest_version = 2\n[application]\nversion = "1"\n' });
  const e = await rejects(loadApp(noName), path.join(noName, 'spin.toml'), 'application.name', 'missing required key "name"');
  assert.equal(e.line, 2, 'points at the [application] table');

  const noApp = await makeDir({ 'spin.toml': 'spin_manifest_version = 2\n' });
  await rejects(loadApp(noApp), path.join(noApp, 'spin.toml'), 'application', '[application]');

  const v1NoName = await makeDir({ 'spin.toml': 'spin_manifest_version = "1"\ntrigger = { type = "http" }\n' });
  await rejects(loadApp(v1NoName), path.join(v1NoName, 'spin.toml'), 'name', 'missing required key "name"');

  const noSource = await makeDir({ 'spin.toml': v2().replace('source = "hello.wasm"', 'description = "x"') });
  await rejects(loadApp(noSource), path.join(noSource, 'spin.toml'), 'component.hello.source', 'missing required key "source"');

  const noComponent = await loadV2('[[trigger.http]]\nroute = "/y"\n');
  await rejects(noComponent.app, path.join(noComponent.dir, 'spin.toml'), 'trigger.http[1].component', 'missing required key "component"');
});

test('wrong types are reported with the expected type', async () => {
  const a = await loadV2('ai_models = "llama2-chat"\n');
  await rejects(a.app, path.join(a.dir, 'spin.toml'), 'component.hello.ai_models', 'must be a list of strings, not a string', 'ai_models = ["..."]');
  const b = await loadV2('ai_models = ["ok", 3]\n');
  await rejects(b.app, path.join(b.dir, 'spin.toml'), 'component.hello.ai_models[1]', 'must be a string, not an integer');
  const c = await loadV2('environment = { PORT = 8080 }\n');
  await rejects(c.app, path.join(c.dir, 'spin.toml'), 'component.hello.environment.PORT', 'must be a string');
  const d = await loadV2('description = true\n');
  await rejects(d.app, path.join(d.dir, 'spin.toml'), 'component.hello.description', 'must be a string, not a boolean');
});

test('component ids must be kebab-case and variable names lower_snake', async () => {
  const dir = await makeDir({ 'spin.toml': v2().replaceAll('hello', 'Hello_World'), 'Hello_World.wasm': WASM });
  await rejects(loadApp(dir), path.join(dir, 'spin.toml'), 'component.Hello_World', 'kebab-case', '"hello-world"');
  const vdir = await makeDir({
    'spin.toml': v2().replace('[[trigger.http]]', '[variables]\nApi-Host = { default = "x" }\n\n[[trigger.http]]'),
    'hello.wasm': WASM,
  });
  await rejects(loadApp(vdir), path.join(vdir, 'spin.toml'), 'variables.Api-Host', 'lower_snake_case');
  const cvar = await loadV2('variables = { apiUrl = "x" }\n');
  await rejects(cvar.app, path.join(cvar.dir, 'spin.toml'), 'component.hello.variables.apiUrl', 'lower_snake_case');
});

test('duplicate component ids in a v1 manifest', async () => {
  const dir = await makeDir({
    'spin.toml':
      'spin_manifest_version = "1"\nname = "a"\ntrigger = { type = "http" }\n[[component]]\nid = "a"\nsource = "a.wasm"\ntrigger = { route = "/" }\n[[component]]\nid = "a"\nsource = "a.wasm"\ntrigger = { route = "/b" }\n',
    'a.wasm': WASM,
  });
  const err = await rejects(loadApp(dir), path.join(dir, 'spin.toml'), 'component[1].id', 'duplicate component id "a"', 'unique');
  assert.equal(err.line, 9);
});

test('a trigger naming an unknown component suggests the known ids', async () => {
  const dir = await makeDir({
    'spin.toml': v2().replace('component = "hello"', 'component = "helo"') + '[component.world]\nsource = "hello.wasm"\n',
    'hello.wasm': WASM,
  });
  await rejects(
    loadApp(dir),
    path.join(dir, 'spin.toml'),
    'trigger.http[0].component',
    'no component named "helo"',
    'known components: hello, world',
    'Did you mean "hello"?',
  );
});

test('a missing source file says to build the component', async () => {
  const dir = await makeDir({ 'spin.toml': v2() });
  await rejects(
    loadApp(dir),
    path.join(dir, 'spin.toml'),
    'component.hello.source',
    'source file "hello.wasm" not found',
    path.join(dir, 'hello.wasm'),
    'spin-ts build',
  );
  const app = await loadApp(dir, { checkSources: false });
  assert.equal(app.components.get('hello')!.source, path.join(dir, 'hello.wasm'));
});

test('url sources: bad digests are reported, good ones say remote sources are unsupported', async () => {
  const url = (digest: string) => v2().replace('source = "hello.wasm"', `source = { url = "https://example.com/a.wasm", digest = "${digest}" }`);
  const bad = await makeDir({ 'spin.toml': url('sha256:1234') });
  await rejects(loadApp(bad), path.join(bad, 'spin.toml'), 'component.hello.source.digest', 'bad digest "sha256:1234"', '64 hex');
  const noPrefix = await makeDir({ 'spin.toml': url('a'.repeat(64)) });
  await rejects(loadApp(noPrefix), path.join(noPrefix, 'spin.toml'), 'component.hello.source.digest', 'bad digest');
  const good = await makeDir({ 'spin.toml': url(`sha256:${'ab'.repeat(32)}`) });
  await rejects(loadApp(good), path.join(good, 'spin.toml'), 'component.hello.source', 'remote sources are not supported', 'Download the file');
});

test('route normalisation', () => {
  const cases: [string, string][] = [
    ['/', '/'],
    ['', '/'],
    ['hello', '/hello'],
    ['/hello/', '/hello'],
    ['/users/:id/', '/users/:id'],
    ['/...', '/...'],
    ['...', '/...'],
    ['/api/...', '/api/...'],
    ['/a-b_c.d~e/%20x', '/a-b_c.d~e/%20x'],
  ];
  for (const [written, route] of cases) assert.deepEqual(checkRoute(written), { ok: true, route }, written);
});

test('malformed routes are rejected with the trigger field', async () => {
  const bad: [string, string][] = [
    ['/a?b=1', '"?"'],
    ['/a#top', '"#"'],
    ['/.../x', '"..."'],
    ['/a/foo...', '"..."'],
    ['/a/:', 'empty ":"'],
    ['/a/:1x', 'invalid parameter name'],
    ['/a/:id/:id', 'twice'],
    ['/a b', 'not valid in a URL path'],
    ['/a//b', 'empty path segment'],
    ['/a/%zz', '%XX'],
  ];
  for (const [route, text] of bad) {
    const { dir, app } = await loadV2('', {}, JSON.stringify(route));
    const err = await rejects(app, path.join(dir, 'spin.toml'), 'trigger.http[0].route', text);
    assert.equal(err.line, 7);
  }
  const num = await loadV2('', {}, '42');
  await rejects(num.app, path.join(num.dir, 'spin.toml'), 'trigger.http[0].route', 'must be a string or { private = true }');
});

test('variables need exactly one of required = true and a default', async () => {
  const withVars = (decl: string) => v2().replace('[[trigger.http]]', `[variables]\n${decl}\n\n[[trigger.http]]`);
  const both = await makeDir({ 'spin.toml': withVars('token = { required = true, default = "x" }'), 'hello.wasm': WASM });
  await rejects(loadApp(both), path.join(both, 'spin.toml'), 'variables.token', 'both required = true and a default');
  const neither = await makeDir({ 'spin.toml': withVars('token = { secret = true }'), 'hello.wasm': WASM });
  await rejects(loadApp(neither), path.join(neither, 'spin.toml'), 'variables.token', 'neither required = true nor a default');
  const plain = await makeDir({ 'spin.toml': withVars('token = "x"'), 'hello.wasm': WASM });
  await rejects(loadApp(plain), path.join(plain, 'spin.toml'), 'variables.token', 'must be a table', '{ default = "x" }');
});

test('component variable templates must name application variables', async () => {
  const { dir, app } = await loadV2('variables = { url = "https://{{ api_host }}/x" }\n');
  await rejects(app, path.join(dir, 'spin.toml'), 'component.hello.variables.url', 'no application variable "api_host"', '[variables]');
  const unclosed = await loadV2('variables = { url = "https://{{ api_host" }\n');
  await rejects(unclosed.app, path.join(unclosed.dir, 'spin.toml'), 'component.hello.variables.url', 'without a closing');
  const v1 = await makeDir({
    'spin.toml':
      'spin_manifest_version = "1"\nname = "a"\ntrigger = { type = "http" }\n[[component]]\nid = "a"\nsource = "a.wasm"\nconfig = { x = "{{ nope }}" }\ntrigger = { route = "/" }\n',
    'a.wasm': WASM,
  });
  await rejects(loadApp(v1), path.join(v1, 'spin.toml'), 'component[0].config.x', 'no application variable "nope"');
});

test("executors: spin, and wagi with Spin's argv default; a custom entrypoint is refused as Spin refuses it", async () => {
  const ok = await loadV2('', {}, '"/x"\nexecutor = "spin"');
  assert.deepEqual((await ok.app).httpTriggers[0]!.executor, { type: 'spin' });
  const wagi = await loadV2('', {}, '"/x"\nexecutor = { type = "wagi" }');
  assert.deepEqual((await wagi.app).httpTriggers[0]!.executor, { type: 'wagi', argv: '${SCRIPT_NAME} ${ARGS}' });
  const argv = await loadV2('', {}, '"/x"\nexecutor = { type = "wagi", entrypoint = "_start", argv = "x ${ARGS}" }');
  assert.deepEqual((await argv.app).httpTriggers[0]!.executor, { type: 'wagi', argv: 'x ${ARGS}' });
  const entry = await loadV2('', {}, '"/x"\nexecutor = { type = "wagi", entrypoint = "main" }');
  await rejects(entry.app, path.join(entry.dir, 'spin.toml'), 'trigger.http[0].executor.entrypoint', 'must be "_start", not "main"');
  const badArgv = await loadV2('', {}, '"/x"\nexecutor = { type = "wagi", argv = ["a"] }');
  await rejects(badArgv.app, path.join(badArgv.dir, 'spin.toml'), 'trigger.http[0].executor.argv', 'must be a string');
  const extra = await loadV2('', {}, '"/x"\nexecutor = { type = "wagi", cgi = true }');
  await rejects(extra.app, path.join(extra.dir, 'spin.toml'), 'trigger.http[0].executor.cgi', 'cgi');
  const other = await loadV2('', {}, '"/x"\nexecutor = { type = "cgi" }');
  await rejects(other.app, path.join(other.dir, 'spin.toml'), 'trigger.http[0].executor', 'unknown executor type "cgi"');
});

test('files: globs, directories, placements, excludes and missing sources', async () => {
  const files = {
    'static/index.html': '<p/>',
    'static/css/site.css': '',
    'static/css/deep/x.css': '',
    'static/notes.md': '',
    'data/one.json': '{}',
    'config.txt': '',
  };
  const { dir, app } = await loadV2(
    'files = ["static/**/*.css", "static/*.html", "data", "config.txt", "?onfig.txt", { source = "static", destination = "/www/" }]\nexclude_files = ["static/css/deep/**"]\n',
    files,
  );
  const mounts = (await app).components.get('hello')!.files;
  assert.deepEqual(mounts, [
    { source: path.join(dir, 'static/css/site.css'), destination: '/static/css/site.css', isDirectory: false },
    { source: path.join(dir, 'static/index.html'), destination: '/static/index.html', isDirectory: false },
    { source: path.join(dir, 'data'), destination: '/data', isDirectory: true },
    { source: path.join(dir, 'config.txt'), destination: '/config.txt', isDirectory: false },
    { source: path.join(dir, 'config.txt'), destination: '/config.txt', isDirectory: false },
    // The mapped directory loses its excluded file too (Spin matches exclude_files against
    // every mounted file's path in the app directory), so it is mounted file by file.
    { source: path.join(dir, 'static/css/site.css'), destination: '/www/css/site.css', isDirectory: false },
    { source: path.join(dir, 'static/index.html'), destination: '/www/index.html', isDirectory: false },
    { source: path.join(dir, 'static/notes.md'), destination: '/www/notes.md', isDirectory: false },
  ]);

  const missing = await loadV2('files = ["nothere.txt"]\n');
  await rejects(missing.app, path.join(missing.dir, 'spin.toml'), 'component.hello.files[0]', 'does not exist');
  const missingDir = await loadV2('files = ["assets/**/*"]\n');
  await rejects(missingDir.app, path.join(missingDir.dir, 'spin.toml'), 'component.hello.files[0]', '"assets"', 'does not exist');
  const missingPlacement = await loadV2('files = [{ source = "gone", destination = "/x" }]\n');
  await rejects(missingPlacement.app, path.join(missingPlacement.dir, 'spin.toml'), 'component.hello.files[0].source', 'does not exist');
  const relDest = await loadV2('files = [{ source = "static", destination = "x" }]\n', { 'static/a': '' });
  await rejects(relDest.app, path.join(relDest.dir, 'spin.toml'), 'component.hello.files[0].destination', 'absolute guest path');
  const escape = await loadV2('files = ["../outside/*"]\n');
  await rejects(escape.app, path.join(escape.dir, 'spin.toml'), 'component.hello.files[0]', 'relative path inside');
});

test('files: every entry must really lie inside the application directory (docs/files.md)', async () => {
  const outside = await makeDir({ 'secret.txt': 'pw', 'etc/passwd': 'pw' });
  const fixture = async (extra: string) => {
    const dir = await makeDir({ 'spin.toml': v2(extra), 'hello.wasm': WASM, 'static/a.txt': 'a', 'static/deep/b.txt': 'b', 'sub/.keep': '' });
    await symlink(path.join(outside, 'etc'), path.join(dir, 'linkdir'));
    await symlink(path.join(outside, 'secret.txt'), path.join(dir, 'static', 'pw'));
    await symlink(path.join(dir, 'static'), path.join(dir, 'inlink'));
    await symlink('a.txt', path.join(dir, 'static', 'alias.txt'));
    return { dir, app: loadApp(dir) };
  };
  await writeFile(path.join(tmpdir(), 'x'), '');
  const parent = await fixture('files = [{ source = "../x", destination = "/x" }]\n');
  await rejects(
    parent.app,
    path.join(parent.dir, 'spin.toml'),
    'component.hello.files[0].source',
    '"../x" leads outside the application directory',
    'Copy the files into the application directory',
  );
  const absolute = await fixture('files = [{ source = "/etc", destination = "/etc" }]\n');
  await rejects(absolute.app, path.join(absolute.dir, 'spin.toml'), 'component.hello.files[0].source', '"/etc" leads outside', 'resolves to /etc');
  const linkedSource = await fixture('files = [{ source = "linkdir", destination = "/x" }]\n');
  await rejects(linkedSource.app, path.join(linkedSource.dir, 'spin.toml'), 'component.hello.files[0].source', '"linkdir" leads outside');
  const linkedPath = await fixture('files = ["linkdir"]\n');
  await rejects(linkedPath.app, path.join(linkedPath.dir, 'spin.toml'), 'component.hello.files[0]', '"linkdir" leads outside');
  const linkedGlobBase = await fixture('files = ["linkdir/**"]\n');
  await rejects(
    linkedGlobBase.app,
    path.join(linkedGlobBase.dir, 'spin.toml'),
    'component.hello.files[0]',
    'the directory "linkdir" of files pattern "linkdir/**" leads outside',
  );

  // Inside the app directory, symlinks are fine; a glob leaves out what leads outside it.
  const ok = await fixture('files = ["**/*", { source = "inlink", destination = "/in" }, { source = "sub/../static", destination = "/s" }]\n');
  const mounts = (await ok.app).components.get('hello')!.files;
  const real = await realpath(ok.dir);
  assert.deepEqual(
    mounts.map((m) => [m.destination, m.source]),
    [
      ['/hello.wasm', path.join(real, 'hello.wasm')],
      ['/inlink/a.txt', path.join(real, 'static/a.txt')],
      ['/inlink/alias.txt', path.join(real, 'static/a.txt')],
      ['/inlink/deep/b.txt', path.join(real, 'static/deep/b.txt')],
      ['/spin.toml', path.join(real, 'spin.toml')],
      ['/static/a.txt', path.join(real, 'static/a.txt')],
      ['/static/alias.txt', path.join(real, 'static/a.txt')],
      ['/static/deep/b.txt', path.join(real, 'static/deep/b.txt')],
      ['/sub/.keep', path.join(real, 'sub/.keep')],
      ['/in', path.join(real, 'static')],
      ['/s', path.join(real, 'static')],
    ],
  );
  // "static/**" is confined to static/: alias.txt stays, pw (outside) is left out.
  const scoped = await fixture('files = ["static/**"]\n');
  assert.deepEqual(
    (await scoped.app).components.get('hello')!.files.map((m) => m.destination),
    ['/static/a.txt', '/static/alias.txt', '/static/deep/b.txt'],
  );
});

test('files: a symlink cycle does not hang the glob walk', async () => {
  const dir = await makeDir({ 'spin.toml': v2('files = ["**/*.txt"]\n'), 'hello.wasm': WASM, 'd/a.txt': '' });
  await symlink('..', path.join(dir, 'd', 'up'));
  await symlink('.', path.join(dir, 'd', 'here'));
  assert.deepEqual(
    (await loadApp(dir)).components.get('hello')!.files.map((m) => m.destination),
    ['/d/a.txt'],
  );
});

test('glob patterns', () => {
  const m = (pattern: string, p: string) => globToRegExp(pattern).test(p);
  assert.ok(m('*.txt', 'a.txt'));
  assert.ok(!m('*.txt', 'dir/a.txt'));
  assert.ok(m('**/*.txt', 'a.txt'));
  assert.ok(m('**/*.txt', 'x/y/a.txt'));
  assert.ok(m('static/**', 'static/x/y'));
  assert.ok(m('a/**/b', 'a/b'));
  assert.ok(m('a/**/b', 'a/x/y/b'));
  assert.ok(m('fil?.js', 'file.js'));
  assert.ok(!m('fil?.js', 'fil/.js'));
  assert.ok(!m('a.txt', 'abtxt'), 'dots are literal');
});

test('private routes', async () => {
  const { app } = await loadV2('', {}, '{ private = true }');
  assert.deepEqual((await app).httpTriggers, [{ id: 'hello-http-trigger', private: true, component: 'hello' }]);
  const notTrue = await loadV2('', {}, '{ private = false }');
  await rejects(notTrue.app, path.join(notTrue.dir, 'spin.toml'), 'trigger.http[0].route.private', 'must be true');
  const v1 = await makeDir({
    'spin.toml':
      'spin_manifest_version = "1"\nname = "a"\ntrigger = { type = "http" }\n[[component]]\nid = "a"\nsource = "a.wasm"\ntrigger = { route = { private = true } }\n',
    'a.wasm': WASM,
  });
  await rejects(loadApp(v1), path.join(v1, 'spin.toml'), 'component[0].trigger.route', 'must be a string');
});

test('inline trigger components get generated ids and the same validation', async () => {
  const manifest = `spin_manifest_version = 2
[application]
name = "inline"

[[trigger.http]]
id = "api"
route = "/api/..."
component = { source = "a.wasm", ai_models = ["llama2-chat"] }

[[trigger.http]]
route = "/one"
component = { source = "a.wasm" }

[[trigger.http]]
route = "/two"
component = { source = "a.wasm" }

[[trigger.http]]
route = "/ref"
component = "inline-component"

[component.inline-component]
source = "a.wasm"
`;
  const dir = await makeDir({ 'spin.toml': manifest, 'a.wasm': WASM });
  const app = await loadApp(dir);
  assert.deepEqual([...app.components.keys()], ['inline-component', 'api-component', 'inline-component1', 'inline-component2']);
  assert.deepEqual(app.components.get('api-component')!.factors['llm'], { aiModels: ['llama2-chat'] });
  assert.deepEqual(
    app.httpTriggers.map((t) => [t.id, t.route, t.component]),
    [
      ['api', '/api/...', 'api-component'],
      ['http-trigger1', '/one', 'inline-component1'],
      ['http-trigger2', '/two', 'inline-component2'],
      ['inline-component-http-trigger', '/ref', 'inline-component'],
    ],
  );

  const badInline = await makeDir({
    'spin.toml': 'spin_manifest_version = 2\n[application]\nname = "x"\n[[trigger.http]]\nroute = "/"\ncomponent = { source = "missing.wasm" }\n',
  });
  await rejects(loadApp(badInline), path.join(badInline, 'spin.toml'), 'trigger.http[0].component.source', 'not found', 'spin-ts build');
  const unknownKey = await makeDir({
    'spin.toml': 'spin_manifest_version = 2\n[application]\nname = "x"\n[[trigger.http]]\nroute = "/"\ncomponent = { source = "a.wasm", models = [] }\n',
    'a.wasm': WASM,
  });
  await rejects(loadApp(unknownKey), path.join(unknownKey, 'spin.toml'), 'trigger.http[0].component.models', 'unknown key "models"');
});

test('unsupported trigger types and duplicate trigger ids', async () => {
  // The Redis trigger reads its own tables (host/triggers/redis): this one lacks an address.
  const redis = await loadV2('[[trigger.redis]]\nchannel = "x"\ncomponent = "hello"\n');
  await rejects(redis.app, path.join(redis.dir, 'spin.toml'), 'trigger.redis[0]', 'this Redis trigger has no address to subscribe at');
  const mqtt = await loadV2('[[trigger.mqtt]]\ncomponent = "hello"\n');
  await rejects(mqtt.app, path.join(mqtt.dir, 'spin.toml'), 'trigger.mqtt', 'trigger type "mqtt" is not supported');
  const dup = await loadV2('[[trigger.http]]\nid = "t"\nroute = "/b"\ncomponent = "hello"\n', {}, '"/a"\nid = "t"');
  const e = await rejects(dup.app, path.join(dup.dir, 'spin.toml'), 'trigger.http[1].id', 'duplicate trigger id "t"');
  assert.equal(e.line, 14);
  const v1 = await makeDir({ 'spin.toml': 'spin_manifest_version = "1"\nname = "a"\ntrigger = { type = "mqtt" }\n' });
  await rejects(loadApp(v1), path.join(v1, 'spin.toml'), 'trigger.type', 'not supported');
});

test('allowed hosts: outbound entries are checked, allowed_http_hosts are converted', async () => {
  const { app } = await loadV2(
    'allowed_outbound_hosts = ["https://api.example.com", "*://localhost:*"]\nallowed_http_hosts = ["example.org", "http://local:8080", "self"]\n',
  );
  const hosts = (a: Awaited<typeof app>) => (a.components.get('hello')!.factors['outbound-http'] as { allowedOutboundHosts: string[] }).allowedOutboundHosts;
  assert.deepEqual(hosts(await app), [
    'https://api.example.com',
    '*://localhost:*',
    'http://example.org',
    'https://example.org',
    'http://local:8080',
    'https://local:8080',
    'http://self',
  ]);
  const all = await loadV2('allowed_http_hosts = ["insecure:allow-all"]\n');
  assert.deepEqual(hosts(await all.app), ['http://*:*', 'https://*:*', 'http://self']);
  const noScheme = await loadV2('allowed_outbound_hosts = ["example.com"]\n');
  await rejects(noScheme.app, path.join(noScheme.dir, 'spin.toml'), 'component.hello.allowed_outbound_hosts[0]', 'no scheme', 'https://example.com');
  const withPath = await loadV2('allowed_http_hosts = ["https://example.com/api"]\n');
  await rejects(withPath.app, path.join(withPath.dir, 'spin.toml'), 'component.hello.allowed_http_hosts[0]', 'contains a path');
});

test('build settings: string or list command, workdir defaults to the manifest dir', async () => {
  const { dir, app } = await loadV2('build = { command = ["npm install", "npm run build"], watch = ["src/*.ts"] }\n');
  assert.deepEqual((await app).components.get('hello')!.build, { command: ['npm install', 'npm run build'], workdir: dir, watch: ['src/*.ts'] });
  const none = await loadV2('build = { workdir = "x" }\n');
  await rejects(none.app, path.join(none.dir, 'spin.toml'), 'component.hello.build.command', 'missing required key "command"');
});

test('application trigger base is read and normalised', async () => {
  const dir = await makeDir({ 'spin.toml': v2().replace('name = "demo"', 'name = "demo"\n[application.trigger.http]\nbase = "api/"'), 'hello.wasm': WASM });
  assert.equal((await loadApp(dir)).httpBase, '/api');
});

test('error messages read <file>: <field> (line, column): <problem>. <fix>', async () => {
  const { dir, app } = await loadV2('ai_models = "x"\n');
  const err = await rejects(app, path.join(dir, 'spin.toml'), 'component.hello.ai_models');
  assert.equal(
    err.message,
    `${path.join(dir, 'spin.toml')}: component.hello.ai_models (line 12, column 1): must be a list of strings, not a string. Write it as ai_models = ["..."].`,
  );
});
