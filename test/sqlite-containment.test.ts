/**
 * fermyon:spin/sqlite tried as an attacker would, through a real component (js-sqlite) under
 * `spin-ts up`: the guest cannot read or write host files or reach another component's
 * database through SQL; a statement that outlives --request-timeout (or waits on a lock that
 * long) ends in a 504 while the host keeps serving and the lock is released at once; a huge
 * value fails before the host's memory grows; SIGTERM stops the host during an endless query.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { guest, startSpin, writeApp, type RunningSpin } from './support/spin.js';

interface ExecReply {
  rows?: unknown[][];
  error?: { kind: string; message: string | null };
}

const MANIFEST = `
spin_manifest_version = 2
[application]
name = "sqlite-attacker"
[[trigger.http]]
route = "/evil/..."
component = "evil"
[[trigger.http]]
route = "/victim/..."
component = "victim"
[component.evil]
source = "${guest('js-sqlite')}"
sqlite_databases = ["default"]
[component.victim]
source = "${guest('js-sqlite')}"
sqlite_databases = ["private"]
`;

const ENDLESS = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c';
const REQUEST_TIMEOUT_MS = 1500;

let dir: string;
let manifest: string;
let spin: RunningSpin;

async function exec(spinUrl: string, component: string, sql: string | string[], db = 'default'): Promise<{ status: number; body: ExecReply }> {
  const res = await fetch(`${spinUrl}/${component}/exec`, { method: 'POST', body: JSON.stringify({ db, sql }) });
  const text = await res.text();
  let body: ExecReply = {};
  try {
    body = JSON.parse(text) as ExecReply;
  } catch {
    body = { error: { kind: 'http', message: text } };
  }
  return { status: res.status, body };
}

/** The server process's peak resident memory (VmHWM), in bytes. */
function peakRss(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m![1]) * 1024;
}

function start(extra: string[] = []): Promise<RunningSpin> {
  return startSpin([
    '-f',
    manifest,
    '--state-dir',
    join(dir, 'state'),
    '--runtime-config-file',
    join(dir, 'runtime-config.toml'),
    '--workers',
    '2',
    '--request-timeout',
    `${REQUEST_TIMEOUT_MS}ms`,
    ...extra,
  ]);
}

describe('sqlite containment (js-sqlite guest under spin-ts up)', () => {
  before(async () => {
    manifest = await writeApp(MANIFEST, {
      'runtime-config.toml': '[sqlite_database.private]\ntype = "spin"\npath = "data/private.db"\n',
      'secret.txt': 'host secret\n',
    });
    dir = join(manifest, '..');
    spin = await start();
    const seeded = await exec(spin.url, 'victim', ['CREATE TABLE IF NOT EXISTS secrets (v)', "INSERT INTO secrets VALUES ('victim data')"], 'private');
    assert.equal(seeded.status, 200, JSON.stringify(seeded.body));
  });
  after(async () => {
    await spin?.stop();
  });

  test('host files: readfile, writefile and fsdir are io("not allowed …"), and no file is written', async () => {
    const secret = join(dir, 'secret.txt');
    const read = await exec(spin.url, 'evil', `SELECT readfile('${secret}')`);
    assert.equal(read.status, 400);
    assert.equal(read.body.error?.kind, 'io');
    assert.match(read.body.error!.message!, /not allowed/);
    assert.doesNotMatch(JSON.stringify(read.body), /host secret/);
    const target = join(dir, 'planted.txt');
    const write = await exec(spin.url, 'evil', `SELECT writefile('${target}', 'planted')`);
    assert.match(write.body.error!.message!, /not allowed/);
    assert.equal(existsSync(target), false);
    const list = await exec(spin.url, 'evil', `SELECT name FROM fsdir('${dir}')`);
    assert.match(list.body.error!.message!, /not allowed/);
    const ext = await exec(spin.url, 'evil', "SELECT load_extension('/usr/lib/x86_64-linux-gnu/libc.so.6')");
    assert.match(ext.body.error!.message!, /not allowed/);
    const paths = await exec(spin.url, 'evil', 'PRAGMA database_list');
    assert.match(paths.body.error!.message!, /not allowed/);
  });

  test("other databases: ATTACH of another component's database and VACUUM INTO a host path are refused", async () => {
    const privateDb = join(dir, 'data', 'private.db');
    const kvStore = join(dir, 'state', 'sqlite_key_value.db');
    for (const file of [privateDb, kvStore]) {
      const r = await exec(spin.url, 'evil', [`ATTACH DATABASE '${file}' AS stolen`, 'SELECT * FROM stolen.sqlite_master']);
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.match(r.body.error!.message!, /not allowed/);
    }
    const copy = join(dir, 'exfiltrated.db');
    const vacuum = await exec(spin.url, 'evil', `VACUUM INTO '${copy}'`);
    assert.match(vacuum.body.error!.message!, /not allowed/);
    assert.equal(existsSync(copy), false);
    // Ordinary SQL is untouched.
    const ok = await exec(spin.url, 'evil', ['CREATE TABLE IF NOT EXISTS t (v)', "INSERT INTO t VALUES ('mine')", 'SELECT count(*) FROM t']);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
  });

  test('a statement that outlives --request-timeout is a 504, the host keeps serving, and its write lock is released at once', async () => {
    const started = Date.now();
    const [slow, other] = await Promise.all([
      // Holds the write lock, then runs forever inside the transaction.
      exec(spin.url, 'evil', ['CREATE TABLE IF NOT EXISTS w (v)', 'BEGIN IMMEDIATE', "INSERT INTO w VALUES ('held')", ENDLESS]),
      // Meanwhile another route is served.
      new Promise((r) => setTimeout(r, 200)).then(() => exec(spin.url, 'victim', 'SELECT v FROM secrets', 'private')),
    ]);
    const timedOutAfter = Date.now() - started;
    assert.equal(slow.status, 504, JSON.stringify(slow.body));
    assert.equal(other.status, 200);
    // A safety bound, not a speed check: the 504 comes near the timeout, not after the query (which never ends).
    assert.ok(timedOutAfter < REQUEST_TIMEOUT_MS + 5000, `504 after ${timedOutAfter} ms`);
    // The transaction was rolled back and its lock is gone: a write right away succeeds.
    const write = await exec(spin.url, 'evil', ["INSERT INTO w VALUES ('after')", 'SELECT v FROM w']);
    assert.equal(write.status, 200, JSON.stringify(write.body));
    assert.deepEqual(write.body.rows, [[{ type: 'text', value: 'after' }]]);
    assert.equal(spin.proc.exitCode, null, 'the host must still be running');
    assert.match(spin.output(), /timed out/);
  });

  test('a lock wait longer than the request timeout is a 504 too, and the host keeps serving', async () => {
    const [holder, waiter] = await Promise.all([
      exec(spin.url, 'evil', ['CREATE TABLE IF NOT EXISTS l (v)', 'BEGIN IMMEDIATE', "INSERT INTO l VALUES ('held')", ENDLESS]),
      new Promise((r) => setTimeout(r, 300)).then(() => exec(spin.url, 'evil', "INSERT INTO l VALUES ('waits')")),
    ]);
    assert.equal(holder.status, 504);
    // The waiter either timed out too or got the lock once the holder was cut off; it never hangs or crashes the host.
    assert.ok(waiter.status === 504 || waiter.status === 200, JSON.stringify(waiter));
    assert.equal((await exec(spin.url, 'evil', 'SELECT count(*) FROM l')).status, 200);
    assert.equal(spin.proc.exitCode, null);
  });

  test('SELECT zeroblob(400000000) fails before the host materialises it', async () => {
    const before = peakRss(spin.proc.pid!);
    const r = await exec(spin.url, 'evil', 'SELECT zeroblob(400000000)');
    assert.equal(r.status, 400);
    assert.match(r.body.error!.message!, /memory/);
    const grew = peakRss(spin.proc.pid!) - before;
    assert.ok(grew < 200 * 2 ** 20, `peak RSS grew by ${Math.round(grew / 2 ** 20)} MiB`);
  });

  test('SIGTERM during an endless query stops the host within 5 s', async () => {
    // A long request timeout: nothing but the shutdown ends this query.
    const own = await start(['--request-timeout', '120s']);
    const pending = exec(own.url, 'evil', ENDLESS).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 500));
    const exited = new Promise<void>((r) => own.proc.once('exit', () => r()));
    const sent = Date.now();
    own.proc.kill('SIGTERM');
    const stopped = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 10_000))]);
    const took = Date.now() - sent;
    if (!stopped) own.proc.kill('SIGKILL');
    assert.ok(stopped, 'the host did not stop after SIGTERM');
    assert.ok(took < 5000, `stopped ${took} ms after SIGTERM`);
    await pending;
  });
});
