/**
 * The `spin up` / `spin build` habits users type, through the bin on real components:
 * --variable (KEY=VALUE, KEY=@file, @file.json, @file.toml), --follow, -L/--log-dir,
 * --tls-cert/--tls-key, --find-free-port, -c/--component-id, SPIN_HTTP_LISTEN_ADDR,
 * RUNTIME_CONFIG_FILE/SPIN_RUNTIME_CONFIG_FILE, SPIN_ALWAYS_BUILD, `build --up`,
 * `-f app.wasm`, and a registry reference; each misuse is a clear error.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { guest, runCli, spawnUntilServing, startSpin, tempDir, writeApp } from './support/spin.js';
import { selfSignedCertificate } from './support/upstream.js';

const LLM = guest('js-llm');
const OUTBOUND = guest('js-outbound');
const HELLO = guest('js-hello');

const VARIABLES_APP = `spin_manifest_version = 2
[application]
name = "vars"
[variables]
token = { required = true }
greeting = { default = "hello" }
motto = { default = "none" }
colour = { default = "none" }
[[trigger.http]]
route = "/..."
component = "vars"
[component.vars]
source = "${LLM}"
[component.vars.variables]
token = "{{ token }}"
greeting = "{{ greeting }}"
motto = "{{ motto }}"
colour = "{{ colour }}"
`;

const TWO_APP = `spin_manifest_version = 2
[application]
name = "two"
[[trigger.http]]
route = "/a/..."
component = "a"
[[trigger.http]]
route = "/b/..."
component = "b"
[component.a]
source = "${OUTBOUND}"
[component.b]
source = "${OUTBOUND}"
`;

/** js-llm's GET /variable/NAME answers {"value": …}. */
async function variable(url: string): Promise<string> {
  const res = await fetch(url);
  const body = (await res.json()) as { value?: string; error?: unknown };
  return `${res.status} ${body.value ?? JSON.stringify(body)}`;
}

/** Polls `fn` until it holds (guest output reaches the log asynchronously); bounded. */
async function eventually(fn: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 100 && !fn(); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(fn(), what);
}

describe('spin up habits', () => {
  test('--variable: KEY=VALUE, KEY=@file, @file.json and @file.toml; they win over SPIN_VARIABLE_*; a bad one is a clear error', async () => {
    const manifest = await writeApp(VARIABLES_APP, {
      'token.txt': 'from-file',
      'vars.json': JSON.stringify({ greeting: 'from-json' }),
      'vars.toml': 'motto = "from-toml"\n',
    });
    const dir = join(manifest, '..');
    const spin = await startSpin(
      [
        '-f',
        manifest,
        '--variable',
        `token=@${join(dir, 'token.txt')}`,
        '--variable',
        `@${join(dir, 'vars.json')}`,
        '--variable',
        `@${join(dir, 'vars.toml')}`,
        '--variable',
        'colour=blue',
      ],
      { env: { SPIN_VARIABLE_COLOUR: 'red' } },
    );
    try {
      assert.equal(await variable(`${spin.url}/variable/token`), '200 from-file');
      assert.equal(await variable(`${spin.url}/variable/greeting`), '200 from-json');
      assert.equal(await variable(`${spin.url}/variable/motto`), '200 from-toml');
      assert.equal(await variable(`${spin.url}/variable/colour`), '200 blue');
    } finally {
      await spin.stop();
    }
    for (const [arg, message] of [
      ['token', /--variable: 'token' is not KEY=VALUE/],
      ['@vars.yaml', /variable files must end in \.json or \.toml/],
      [`token=@${join(dir, 'missing.txt')}`, /cannot read .*missing\.txt \(ENOENT\)/],
    ] as const) {
      const r = await runCli(['up', '-f', manifest, '--listen', '127.0.0.1:0', '--variable', arg]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, message);
    }
  });

  test("--follow shows only that component's output; -L/--log-dir appends every component's stdout to <id>_stdout.txt, with -q too", async () => {
    const manifest = await writeApp(TWO_APP);
    const logDir = join(await tempDir(), 'logs');
    const spin = await startSpin(['-f', manifest, '--follow', 'a', '-L', logDir]);
    try {
      assert.equal((await fetch(`${spin.url}/a/generate?mb=4`)).status, 200);
      assert.equal((await fetch(`${spin.url}/b/generate?mb=4`)).status, 200);
      await eventually(() => /\[a\] generated 4 MiB/.test(spin.output()), 'the followed component is shown');
      await eventually(
        () => existsSync(join(logDir, 'b_stdout.txt')) && /generated 4 MiB/.test(readFileSync(join(logDir, 'b_stdout.txt'), 'utf8')),
        'b has a log file',
      );
      assert.doesNotMatch(spin.output(), /\[b\] generated/);
      assert.match(readFileSync(join(logDir, 'a_stdout.txt'), 'utf8'), /^generated 4 MiB\n/);
    } finally {
      await spin.stop();
    }
    const quiet = await startSpin(['-f', manifest, '-q', '--log-dir', logDir]);
    try {
      await fetch(`${quiet.url}/a/generate?mb=4`).then((r) => r.text());
      await eventually(() => (readFileSync(join(logDir, 'a_stdout.txt'), 'utf8').match(/generated 4 MiB/g) ?? []).length === 2, 'appended under -q');
      assert.doesNotMatch(quiet.output(), /generated/);
    } finally {
      await quiet.stop();
    }
    const unknown = await runCli(['up', '-f', manifest, '--listen', '127.0.0.1:0', '--follow', 'nope']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /--follow: the app has no component 'nope'\. Its components: a, b/);
    const both = await runCli(['up', '-f', manifest, '--listen', '127.0.0.1:0', '--follow', 'a', '-q']);
    assert.equal(both.code, 1);
    assert.match(both.stderr, /-q\/--quiet and --follow contradict/);
  });

  test('--tls-cert/--tls-key serve HTTPS with an openssl certificate; one without the other is an error', async () => {
    const dir = await tempDir();
    const { cert, key } = await selfSignedCertificate('127.0.0.1', 'IP:127.0.0.1');
    const manifest = await writeApp(
      `spin_manifest_version = 2\n[application]\nname = "tls"\n[[trigger.http]]\nroute = "/..."\ncomponent = "hello"\n[component.hello]\nsource = "${HELLO}"\n`,
    );
    const spin = await spawnUntilServing(
      ['up', '-f', manifest, '--listen', '127.0.0.1:0', '--tls-cert', cert, '--tls-key', key],
      /Serving (https:\/\/[^\s]+)/,
      'spin-ts up',
    );
    try {
      const body = await new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = request(`${spin.url}/tls-check`, { ca: readFileSync(cert) }, (res) => {
          let t = '';
          res.on('data', (c: Buffer) => (t += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode!, text: t }));
        });
        req.on('error', reject);
        req.end();
      });
      assert.equal(body.status, 200);
      assert.match(body.text, /tls-check/);
    } finally {
      await spin.stop();
    }
    const half = await runCli(['up', '-f', manifest, '--listen', '127.0.0.1:0', '--tls-cert', cert]);
    assert.equal(half.code, 1);
    assert.match(half.stderr, /--tls-cert and --tls-key go together/);
    const missing = await runCli(['up', '-f', manifest, '--listen', '127.0.0.1:0', '--tls-cert', join(dir, 'nope.pem'), '--tls-key', key]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /--tls-cert: cannot read .*nope\.pem \(ENOENT\)/);
  });

  test('--find-free-port moves past a taken port; without it the error names the flag', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const taken = (blocker.address() as AddressInfo).port;
    const manifest = await writeApp(
      `spin_manifest_version = 2\n[application]\nname = "port"\n[[trigger.http]]\nroute = "/..."\ncomponent = "hello"\n[component.hello]\nsource = "${HELLO}"\n`,
    );
    try {
      const refused = await runCli(['up', '-f', manifest, '--listen', `127.0.0.1:${taken}`]);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /already in use\. To have spin-ts search for a free port, use the --find-free-port option/);
      const spin = await spawnUntilServing(
        ['up', '-f', manifest, '--listen', `127.0.0.1:${taken}`, '--find-free-port'],
        /Serving (http:\/\/[^\s]+)/,
        'spin-ts up',
      );
      try {
        const port = Number(new URL(spin.url).port);
        assert.ok(port > taken && port <= taken + 10, `served on ${port}, taken ${taken}`);
        assert.equal((await fetch(`${spin.url}/`)).status, 200);
      } finally {
        await spin.stop();
      }
    } finally {
      blocker.close();
    }
  });

  test('-c/--component-id runs only the named components; an unknown id lists the real ones', async () => {
    const manifest = await writeApp(TWO_APP);
    const spin = await startSpin(['-f', manifest, '-c', 'a']);
    try {
      assert.equal((await fetch(`${spin.url}/a/generate?mb=0`)).status, 200);
      assert.equal((await fetch(`${spin.url}/b/generate?mb=0`)).status, 404);
    } finally {
      await spin.stop();
    }
    const r = await runCli(['up', '-f', manifest, '--listen', '127.0.0.1:0', '-c', 'zzz']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /-c\/--component-id: the app has no component 'zzz'\. Its components: a, b/);
  });

  test('SPIN_HTTP_LISTEN_ADDR, RUNTIME_CONFIG_FILE and SPIN_RUNTIME_CONFIG_FILE are read as Spin reads them', async () => {
    const manifest = await writeApp(
      `spin_manifest_version = 2\n[application]\nname = "env"\n[[trigger.http]]\nroute = "/..."\ncomponent = "hello"\n[component.hello]\nsource = "${HELLO}"\n`,
      {
        'rc.toml': '[no_such_section]\nx = 1\n',
      },
    );
    const rc = join(manifest, '..', 'rc.toml');
    const spin = await spawnUntilServing(['up', '-f', manifest], /Serving (http:\/\/[^\s]+)/, 'spin-ts up', { env: { SPIN_HTTP_LISTEN_ADDR: '127.0.0.1:0' } });
    try {
      assert.notEqual(new URL(spin.url).port, '3000');
      assert.equal((await fetch(`${spin.url}/`)).status, 200);
    } finally {
      await spin.stop();
    }
    for (const name of ['RUNTIME_CONFIG_FILE', 'SPIN_RUNTIME_CONFIG_FILE']) {
      const r = await runCli(['up', '-f', manifest, '--listen', '127.0.0.1:0'], { env: { [name]: rc } });
      assert.equal(r.code, 1, `${name}: ${r.stderr}`);
      assert.match(r.stderr, /rc\.toml.*no_such_section|no_such_section.*rc\.toml/s, name);
    }
  });

  test('SPIN_ALWAYS_BUILD=true builds before up, and `build --up` runs the app after building', async () => {
    const manifest = await writeApp(
      `spin_manifest_version = 2\n[application]\nname = "built"\n[[trigger.http]]\nroute = "/..."\ncomponent = "hello"\n[component.hello]\nsource = "out/hello.wasm"\n[component.hello.build]\ncommand = "mkdir -p out && cp '${HELLO}' out/hello.wasm"\n`,
    );
    const spin = await startSpin(['-f', manifest], { env: { SPIN_ALWAYS_BUILD: 'true' } });
    try {
      assert.match(spin.output(), /Building component hello/);
      assert.equal((await fetch(`${spin.url}/`)).status, 200);
    } finally {
      await spin.stop();
    }
    const bad = await runCli(['up', '-f', manifest, '--listen', '127.0.0.1:0'], { env: { SPIN_ALWAYS_BUILD: 'maybe' } });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /SPIN_ALWAYS_BUILD: 'maybe' is not a boolean/);
    const up = await spawnUntilServing(['build', '-f', manifest, '--up', '--listen', '127.0.0.1:0'], /Serving (http:\/\/[^\s]+)/, 'spin-ts build --up');
    try {
      assert.match(up.output(), /Finished building all Spin components/);
      assert.equal((await fetch(`${up.url}/x`)).status, 200);
    } finally {
      await up.stop();
    }
  });

  test('-f app.wasm runs one component on every path; a registry reference and --from-registry say registry apps are not supported', async () => {
    const spin = await startSpin(['-f', HELLO]);
    try {
      assert.equal((await fetch(`${spin.url}/any/path`)).status, 200);
    } finally {
      await spin.stop();
    }
    const dir = await tempDir();
    await writeFile(join(dir, '.keep'), '');
    const ref = await runCli(['up', '-f', 'ghcr.io/fermyon/some-app:v1', '--listen', '127.0.0.1:0'], { cwd: dir });
    assert.equal(ref.code, 1);
    assert.match(ref.stderr, /registry reference: registry apps are not supported by spin-ts/);
    const flag = await runCli(['up', '--from-registry', 'ghcr.io/fermyon/some-app:v1', '--listen', '127.0.0.1:0'], { cwd: dir });
    assert.equal(flag.code, 1);
    assert.match(flag.stderr, /registry apps are not supported by spin-ts/);
    const missing = await runCli(['up', '-f', 'nothing-here/spin.toml', '--listen', '127.0.0.1:0'], { cwd: dir });
    assert.match(missing.stderr, /manifest file not found/);
  });
});
