/**
 * `spin-ts up` on bad manifests: exit code 1 and one short message that names the file,
 * the field and the fix — never a stack trace.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { guest, runCli, tempDir, writeApp } from './support/spin.js';

const HELLO = guest('js-hello');

async function upFails(toml: string, field: RegExp, problem: RegExp): Promise<void> {
  const manifest = await writeApp(toml);
  const r = await runCli(['up', '-f', manifest, '--listen', '127.0.0.1:0']);
  assert.equal(r.code, 1, `exit code; stderr: ${r.stderr}`);
  assert.match(r.stderr, /spin\.toml/, 'names the file');
  assert.match(r.stderr, field, 'names the field');
  assert.match(r.stderr, problem, 'says what is wrong');
  assert.doesNotMatch(r.stderr, /\n\s+at .*\(.*:\d+:\d+\)/, 'no stack trace');
  assert.ok(r.stderr.trim().split('\n').length <= 6, `short: ${r.stderr}`);
}

/** The manifest was read (no unknown key, no "not supported"): the start stops at the component, an HTTP one under a Redis trigger. */
async function refusedAsHttpComponent(toml: string, id: string): Promise<void> {
  const r = await runCli(['up', '-f', await writeApp(toml), '--listen', '127.0.0.1:0']);
  assert.equal(r.code, 1, `exit code; stderr: ${r.stderr}`);
  assert.match(r.stderr, new RegExp(`component '${id}': it is named by a \\[\\[trigger\\.redis\\]\\], but it does not export fermyon:spin/inbound-redis`));
  assert.doesNotMatch(r.stderr, /unknown key|not supported/);
}

const v2 = (body: string) => `spin_manifest_version = 2\n[application]\nname = "bad"\n${body}`;
const component = `[component.hello]\nsource = "${HELLO}"\n`;

describe('manifest errors stop `spin-ts up`', () => {
  test('bad version', () => upFails(`spin_manifest_version = 3\n[application]\nname = "x"\n`, /spin_manifest_version/, /invalid manifest version: "3"/));

  test('missing version', () => upFails(`[application]\nname = "x"\n`, /spin_manifest_version/, /invalid manifest version/));

  test('missing application name (v2)', () => upFails(`spin_manifest_version = 2\n[application]\nversion = "1"\n`, /application\.name/, /missing|required/i));

  test('missing name (v1)', () => upFails(`spin_manifest_version = "1"\ntrigger = { type = "http" }\n`, /name/, /missing|required/i));

  test('unknown key', () => upFails(v2(`[[trigger.http]]\nroute = "/"\ncomponent = "hello"\n${component}colour = "red"\n`), /colour/, /unknown/i));

  test('a trigger naming an unknown component', () => upFails(v2(`[[trigger.http]]\nroute = "/"\ncomponent = "helo"\n${component}`), /component/, /helo/));

  // A Spin Redis app: the application-level trigger settings and a v1 Redis trigger's `address`
  // are the Redis trigger's keys (host/triggers/redis), never unknown ones; js-hello then fails
  // as what it is, an HTTP component (test/redis-trigger.test.ts runs real Redis apps).
  test('a Redis-triggered app (v2) is read by the Redis trigger: an HTTP component under it is refused as such', () =>
    refusedAsHttpComponent(
      v2(`[application.trigger.redis]\naddress = "redis://localhost:6379"\n[[trigger.redis]]\nchannel = "messages"\ncomponent = "hello"\n${component}`),
      'hello',
    ));

  test('[[trigger.redis]] alone (v2) needs an address', () =>
    upFails(v2(`[[trigger.redis]]\nchannel = "messages"\ncomponent = "hello"\n${component}`), /trigger\.redis\[0\]/, /no address to subscribe at/));

  test('a Redis-triggered app (v1) is read the same, "address" included', () =>
    refusedAsHttpComponent(
      `spin_manifest_version = "1"\nname = "x"\ntrigger = { type = "redis", address = "redis://localhost:6379" }\n[[component]]\nid = "a"\nsource = "${HELLO}"\n[component.trigger]\nchannel = "messages"\n`,
      'a',
    ));

  test('duplicate component ids (v1)', () =>
    upFails(
      `spin_manifest_version = "1"\nname = "x"\ntrigger = { type = "http" }\n[[component]]\nid = "a"\nsource = "${HELLO}"\ntrigger = { route = "/a" }\n[[component]]\nid = "a"\nsource = "${HELLO}"\ntrigger = { route = "/b" }\n`,
      /component/,
      /duplicate/i,
    ));

  test('a source file that does not exist', () =>
    upFails(v2(`[[trigger.http]]\nroute = "/"\ncomponent = "hello"\n[component.hello]\nsource = "missing.wasm"\n`), /source/, /missing\.wasm/));

  test('a malformed route', () => upFails(v2(`[[trigger.http]]\nroute = "/a/.../b"\ncomponent = "hello"\n${component}`), /route/, /\.\.\./));

  test('a variable both required and defaulted', () =>
    upFails(
      v2(`[variables]\nx = { required = true, default = "1" }\n[[trigger.http]]\nroute = "/"\ncomponent = "hello"\n${component}`),
      /variables\.x/,
      /required|default/,
    ));

  test('a TOML syntax error gives its line and column, says it is the TOML syntax and what to fix', () =>
    upFails(`spin_manifest_version = 2\n[application\nname = "x"\n`, /line 2, column 13/, /invalid TOML: [^\n]+\. Fix the TOML syntax at that position\./));

  test('a missing manifest file', async () => {
    const dir = await tempDir();
    const r = await runCli(['up', '-f', join(dir, 'nope.toml')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /nope\.toml/);
    assert.match(r.stderr, /-f/);
  });

  test('a required variable with no value', () =>
    upFails(
      v2(`[variables]\nsecret_key = { required = true }\n[[trigger.http]]\nroute = "/"\ncomponent = "hello"\n${component}`),
      /variables/,
      /SPIN_VARIABLE_SECRET_KEY/,
    ));

  test('a component that is not a WebAssembly component', async () => {
    const manifest = await writeApp(v2(`[[trigger.http]]\nroute = "/"\ncomponent = "hello"\n[component.hello]\nsource = "not.wasm"\n`), {
      'not.wasm': 'hello',
    });
    const r = await runCli(['up', '-f', manifest, '--listen', '127.0.0.1:0']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /component 'hello'/);
    assert.match(r.stderr, /not a valid WebAssembly component/);
  });

  test('a WebAssembly core module that nothing can run is named as such, with what to do (the WAGI and Spin 1.x kinds: test/wagi.test.ts, test/spin1-modules.test.ts)', async () => {
    // The smallest valid core module: the magic number and version 1, no sections.
    const manifest = await writeApp(v2(`[[trigger.http]]\nroute = "/"\ncomponent = "hello"\n[component.hello]\nsource = "old.wasm"\n`), {
      'old.wasm': '\0asm\u0001\0\0\0',
    });
    const r = await runCli(['up', '-f', manifest, '--listen', '127.0.0.1:0']);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /component 'hello': old\.wasm is a WebAssembly core module that is neither a Spin 1\.x HTTP module \(no handle-http-request export\), nor a WASI command \(no _start export\), nor a module carrying its world \(no component-type section\)/,
    );
    assert.match(r.stderr, /build it as a component/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });

  test('a component importing interfaces spin-ts does not provide is refused at start, naming each (function and resource imports)', async () => {
    const manifest = await writeApp(v2(`[[trigger.http]]\nroute = "/"\ncomponent = "mqtt"\n[component.mqtt]\nsource = "${guest('js-unsupported')}"\n`));
    const r = await runCli(['up', '-f', manifest, '--listen', '127.0.0.1:0'], { timeoutMs: 180_000 });
    assert.equal(r.code, 1);
    // named with the versions the binary imports (jco's own list drops them), in the binary's order
    assert.match(
      r.stderr,
      /component 'mqtt' imports ('spin-ts:absent\/store@0\.1\.0', 'spin-ts:absent\/broker@0\.1\.0'|'spin-ts:absent\/broker@0\.1\.0', 'spin-ts:absent\/store@0\.1\.0'), which spin-ts does not provide/,
    );
    assert.match(r.stderr, /Build it against interfaces spin-ts supports \(.*fermyon:spin\/llm@2\.0\.0.*wasi:http\/outgoing-handler@0\.2/);
    assert.doesNotMatch(r.stderr, /Serving/);
  });
});

describe('CLI flag errors', () => {
  test('a bad --request-timeout', async () => {
    const manifest = await writeApp(v2(`[[trigger.http]]\nroute = "/"\ncomponent = "hello"\n${component}`));
    const r = await runCli(['up', '-f', manifest, '--request-timeout', 'soon']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /'soon' is not a duration/);
  });

  test('a bad --listen', async () => {
    const manifest = await writeApp(v2(`[[trigger.http]]\nroute = "/"\ncomponent = "hello"\n${component}`));
    const r = await runCli(['up', '-f', manifest, '--listen', 'nowhere']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--listen: 'nowhere' is not host:port/);
  });

  test('a bad -e', async () => {
    const manifest = await writeApp(v2(`[[trigger.http]]\nroute = "/"\ncomponent = "hello"\n${component}`));
    const r = await runCli(['up', '-f', manifest, '-e', 'NOEQUALS']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /'NOEQUALS' is not KEY=VALUE/);
  });

  test('--help documents every flag of up', async () => {
    const r = await runCli(['up', '--help']);
    assert.equal(r.code, 0);
    for (const flag of ['--from', '--listen', '--state-dir', '--runtime-config-file', '--env', '--request-timeout', '--quiet', '-f,', '-e,', '-q,']) {
      assert.ok(r.stdout.includes(flag), `--help mentions ${flag}`);
    }
  });
});
