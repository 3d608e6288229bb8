/**
 * `spin-ts up` on bad manifests: exit code 1 and one short message that names the file,
 * the field and the fix — never a stack trace.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { guest, runCli, startSpin, tempDir, writeApp } from './support/spin.js';

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

const v2 = (body: string) => `spin_manifest_version = 2\n[application]\nname = "bad"\n${body}`;
const component = `[component.hello]\nsource = "${HELLO}"\n`;

describe('manifest errors stop `spin-ts up`', () => {
  test('bad version', () => upFails(`spin_manifest_version = 3\n[application]\nname = "x"\n`, /spin_manifest_version/, /invalid manifest version: "3"/));

  test('missing version', () => upFails(`[application]\nname = "x"\n`, /spin_manifest_version/, /invalid manifest version/));

  test('missing application name (v2)', () => upFails(`spin_manifest_version = 2\n[application]\nversion = "1"\n`, /application\.name/, /missing|required/i));

  test('missing name (v1)', () => upFails(`spin_manifest_version = "1"\ntrigger = { type = "http" }\n`, /name/, /missing|required/i));

  test('unknown key', () => upFails(v2(`[[trigger.http]]\nroute = "/"\ncomponent = "hello"\n${component}colour = "red"\n`), /colour/, /unknown/i));

  test('a trigger naming an unknown component', () => upFails(v2(`[[trigger.http]]\nroute = "/"\ncomponent = "helo"\n${component}`), /component/, /helo/));

  // A Spin Redis app: the application-level trigger settings come first, and must not read as
  // an unknown key; nor a v1 Redis trigger's `address`.
  test('a Redis-triggered app (v2) says the Redis trigger is not supported yet', () =>
    upFails(
      v2(`[application.trigger.redis]\naddress = "redis://localhost:6379"\n[[trigger.redis]]\nchannel = "messages"\ncomponent = "hello"\n${component}`),
      /application\.trigger\.redis/,
      /the Redis trigger is not supported yet/,
    ));

  test('[[trigger.redis]] alone (v2) says the same', () =>
    upFails(v2(`[[trigger.redis]]\nchannel = "messages"\ncomponent = "hello"\n${component}`), /trigger\.redis/, /the Redis trigger is not supported yet/));

  test('a Redis-triggered app (v1) says the same, not that "address" is unknown', () =>
    upFails(
      `spin_manifest_version = "1"\nname = "x"\ntrigger = { type = "redis", address = "redis://localhost:6379" }\n[[component]]\nid = "a"\nsource = "${HELLO}"\n[component.trigger]\nchannel = "messages"\n`,
      /trigger\.type/,
      /the Redis trigger is not supported yet/,
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

  // Spin 2's Redis is not served yet, but every Python SDK app imports it: it starts, and the
  // guest's call gets redis@2.0.0's own error and a log line, never Spin 1's functions.
  test("Spin 2's fermyon:spin/redis@2.0.0 is never matched to Spin 1's unversioned redis: its Connection.open is its own error, logged", async () => {
    const manifest = await writeApp(v2(`[[trigger.http]]\nroute = "/"\ncomponent = "redis2"\n[component.redis2]\nsource = "${guest('js-redis2')}"\n`));
    const spin = await startSpin(['-f', manifest]);
    try {
      const res = await fetch(`${spin.url}/`);
      const text = await res.text();
      assert.equal(res.status, 500);
      assert.doesNotMatch(text, /TypeError/);
      assert.match(spin.output(), /component 'redis2' called fermyon:spin\/redis@2\.0\.0 .*which spin-ts does not provide/);
    } finally {
      await spin.stop();
    }
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
