/**
 * SQLite: (1) point-query latency through a guest (js-sqlite, rust-sqlite) over HTTP beside
 * the same query made directly, and the guest's own cost without SQL; (2) where statements
 * should run: on the worker's own connection or on the main thread behind the bridge;
 * (3) libsql beside better-sqlite3 (only when BENCH_BETTER_SQLITE3 names a node_modules
 * folder holding it: it is not a dependency). All in one run, on one machine.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { BridgeServer } from '../host/components/bridge.js';
import { openDatabase } from '../host/factors/sqlite/database.js';
import { CLI, fmt, guestPath, startServer } from './support.js';

const ROWS = 10_000;
const SEED = `CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < ${ROWS}) INSERT INTO t SELECT i, printf('value-%d', i) FROM c`;

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
};

interface SqliteLike {
  exec(sql: string): unknown;
  prepare(sql: string): { run(...a: unknown[]): unknown; get(...a: unknown[]): unknown };
  close(): unknown;
}

/** inserts/s (autocommit and batched) and point-query latency for one library, same file layout. */
function libraryFigures(open: (file: string) => SqliteLike, dir: string, name: string, synchronous: string) {
  const db = open(join(dir, `${name}-${synchronous}.db`));
  db.exec('PRAGMA journal_mode = WAL');
  db.exec(`PRAGMA synchronous = ${synchronous}`);
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
  let t0 = performance.now();
  const AUTO = 2000;
  for (let i = 1; i <= AUTO; i++) db.prepare('INSERT INTO t VALUES (?, ?)').run(i, `value-${i}`);
  const autocommit = AUTO / ((performance.now() - t0) / 1000);
  const BATCH = 100_000;
  t0 = performance.now();
  db.exec('BEGIN');
  const ins = db.prepare('INSERT INTO t VALUES (?, ?)');
  for (let i = AUTO + 1; i <= AUTO + BATCH; i++) ins.run(i, `value-${i}`);
  db.exec('COMMIT');
  const batched = BATCH / ((performance.now() - t0) / 1000);
  const lat: number[] = [];
  for (let i = 0; i < 20_000; i++) {
    const id = 1 + ((i * 7919) % (AUTO + BATCH));
    const s = performance.now();
    db.prepare('SELECT v FROM t WHERE id = ?').get(id);
    lat.push((performance.now() - s) * 1000);
  }
  db.close();
  return { autocommit, batched, p50: quantile(lat, 0.5), p99: quantile(lat, 0.99) };
}

async function placement(dir: string) {
  const file = join(dir, 'placement.db');
  const db = openDatabase(file);
  db.exec(SEED);
  const service = async (_m: string, args: unknown[]) => db.prepare('SELECT v FROM t WHERE id = ?').raw(true).get([args[0]]);
  const bridge = new BridgeServer(new Map([['sqlite', service]]), () => new AbortController().signal);
  const worker = new Worker(new URL('./sqlite-placement-worker.js', import.meta.url), {
    workerData: { file, n: 10_000, port: bridge.workerPort, shared: bridge.shared },
    transferList: [bridge.workerPort as never],
  });
  const r = await new Promise<{ local: number[]; bridged: number[]; failures: number }>((res, rej) => {
    worker.once('message', res);
    worker.once('error', rej);
  });
  await worker.terminate();
  bridge.close();
  db.close();
  return r;
}

async function throughGuests(dir: string) {
  const rust = guestPath('rust-sqlite');
  const hasRust = existsSync(rust);
  const manifest = join(dir, 'spin.toml');
  await writeFile(
    manifest,
    `spin_manifest_version = 2
[application]
name = "bench-sqlite"
[[trigger.http]]
route = "/js/..."
component = "js"
[component.js]
source = "${guestPath('js-sqlite')}"
sqlite_databases = ["default"]
${hasRust ? `[[trigger.http]]\nroute = "/rust/..."\ncomponent = "rust"\n[component.rust]\nsource = "${rust}"\nsqlite_databases = ["default"]\n` : ''}`,
  );
  const state = join(dir, 'state');
  const server = await startServer([CLI, 'up', '-f', manifest, '--listen', '127.0.0.1:0', '-q', '--state-dir', state, '--sqlite', SEED]);
  const N = Number(process.env.BENCH_SQLITE_REQUESTS ?? 300);
  const time = async (req: (i: number) => Promise<Response>) => {
    for (let i = 0; i < 30; i++) await (await req(i)).arrayBuffer();
    const ms: number[] = [];
    for (let i = 0; i < N; i++) {
      const s = performance.now();
      const res = await req(i);
      await res.arrayBuffer();
      ms.push(performance.now() - s);
    }
    return ms;
  };
  const id = (i: number) => 1 + ((i * 7919) % ROWS);
  const rows: Array<[string, number[]]> = [];
  try {
    rows.push([
      'js-sqlite: point query (Connection.open + execute) over HTTP',
      await time((i) =>
        fetch(`${server.url}/js/exec`, {
          method: 'POST',
          body: JSON.stringify({ sql: 'SELECT v FROM t WHERE id = ?', params: [{ type: 'integer', value: String(id(i)) }] }),
        }),
      ),
    ]);
    rows.push(['js-sqlite: same request, no SQL (404 route)', await time(() => fetch(`${server.url}/js/none`, { method: 'POST', body: '{}' }))]);
    if (hasRust) {
      rows.push([
        'rust-sqlite: point query (open + execute) over HTTP',
        await time((i) => fetch(`${server.url}/rust/exec`, { method: 'POST', body: `SELECT v FROM t WHERE id = ${id(i)}` })),
      ]);
      rows.push(['rust-sqlite: same request, no SQL (404 route)', await time(() => fetch(`${server.url}/rust/none`))]);
    }
  } finally {
    await server.stop();
  }
  // Direct: the same statement on a libsql connection to the same file, in this process.
  const db = openDatabase(join(state, 'sqlite_db.db'));
  const direct: number[] = [];
  for (let i = 0; i < 20_000; i++) {
    const s = performance.now();
    db.prepare('SELECT v FROM t WHERE id = ?')
      .raw(true)
      .get([id(i)]);
    direct.push(performance.now() - s);
  }
  db.close();
  return { rows, direct };
}

export async function benchSqlite(): Promise<{ markdown: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'spin-ts-bench-sqlite-'));
  const out: string[] = [];

  const g = await throughGuests(dir);
  out.push(
    `Point query \`SELECT v FROM t WHERE id = ?\` on a ${ROWS}-row table in the default database; ${process.env.BENCH_SQLITE_REQUESTS ?? 300} sequential requests after 30 warm-up; direct = libsql prepare + get in the bench process on the same file, 20000 times.`,
    '',
    '| measure | p50 ms | p99 ms |',
    '| --- | ---: | ---: |',
    `| direct libsql (no HTTP, no guest) | ${fmt(quantile(g.direct, 0.5), 4)} | ${fmt(quantile(g.direct, 0.99), 4)} |`,
    ...g.rows.map(([what, ms]) => `| ${what} | ${fmt(quantile(ms, 0.5), 2)} | ${fmt(quantile(ms, 0.99), 2)} |`),
  );

  const p = await placement(dir);
  out.push(
    '',
    `Where statements run: the same point query from a worker thread, 10000 times each (µs per call)${p.failures ? `; ${p.failures} bridge calls woke without an answer and are left out` : ''}.`,
    '',
    '| placement | p50 µs | p99 µs |',
    '| --- | ---: | ---: |',
    `| in the worker, on its own connection (what spin-ts does) | ${fmt(quantile(p.local, 0.5))} | ${fmt(quantile(p.local, 0.99))} |`,
    `| on the main thread, through the bridge | ${fmt(quantile(p.bridged, 0.5))} | ${fmt(quantile(p.bridged, 0.99))} |`,
  );

  const libs: Array<[string, (file: string) => SqliteLike]> = [];
  const require = createRequire(import.meta.url);
  const LibSql = require('libsql') as new (f: string) => SqliteLike;
  libs.push(['libsql 0.5.29 (package.json)', (f) => new LibSql(f)]);
  const betterDir = process.env.BENCH_BETTER_SQLITE3;
  if (betterDir && existsSync(join(betterDir, 'better-sqlite3'))) {
    const req = createRequire(join(betterDir, 'x.js'));
    const Better = req('better-sqlite3') as new (f: string) => SqliteLike;
    libs.push([`better-sqlite3 ${(req('better-sqlite3/package.json') as { version: string }).version}`, (f) => new Better(f)]);
  }
  out.push(
    '',
    'Libraries, same file layout (WAL), one thread: 2000 autocommit inserts, 100000 inserts in one transaction, then 20000 point queries (prepare + get each time, as spin-ts does); synchronous set explicitly, since the two builds default differently in WAL mode (better-sqlite3 is compiled with NORMAL).' +
      (libs.length < 2 ? ' better-sqlite3 skipped: set BENCH_BETTER_SQLITE3 to a node_modules folder that holds it.' : ''),
    '',
    '| library | synchronous | autocommit inserts/s | inserts/s in one transaction | point query p50 µs | p99 µs |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
  );
  for (const synchronous of ['FULL', 'NORMAL']) {
    for (const [name, open] of libs) {
      const f = libraryFigures(open, dir, name.split(' ')[0]!, synchronous);
      out.push(`| ${name} | ${synchronous} | ${fmt(f.autocommit, 0)} | ${fmt(f.batched, 0)} | ${fmt(f.p50, 2)} | ${fmt(f.p99, 2)} |`);
    }
  }
  return { markdown: out.join('\n') };
}
