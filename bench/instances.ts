/**
 * Instance modes side by side: the same guests through `spin-ts up --instance-mode fresh`,
 * `--instance-mode snapshot` with every grown memory let go (SPIN_TS_DISCARD_GROWN=1, the
 * behaviour before growable memories) and `--instance-mode snapshot` as it is (grown pages
 * kept, growable-memory.ts), in one run: requests/s, latency, the server's CPU per request
 * and its RSS. BENCH_INSTANCES_COMPARE=turbo-escape compares V8's --no-turbo-escape instead.
 */
import autocannon from 'autocannon';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, fmt, guestPath, startServer } from './support.js';

/** What a column runs: the --instance-mode and the server's extra environment. */
interface Column {
  column: string;
  mode: string;
  env: NodeJS.ProcessEnv;
}

/** The columns compared, and the ratios of requests/s shown: [label, numerator, denominator] by column index. */
interface Variant {
  columns: Column[];
  ratios: Array<[string, number, number]>;
}

const VARIANTS: Record<string, Variant> = {
  // Growable memories (growable-memory.ts) against fresh instances and the snapshot that let every grown memory go.
  modes: {
    columns: [
      { column: 'fresh', mode: 'fresh', env: {} },
      { column: 'snapshot, grown memory let go', mode: 'snapshot', env: { SPIN_TS_DISCARD_GROWN: '1' } },
      { column: 'snapshot, grown pages kept', mode: 'snapshot', env: {} },
    ],
    ratios: [
      ['kept ÷ fresh', 2, 0],
      ['kept ÷ let go', 2, 1],
    ],
  },
  // V8's --no-turbo-escape (pool.ts) on its own: SPIN_TS_TURBO_ESCAPE=1 leaves escape analysis on.
  'turbo-escape': {
    columns: [
      { column: 'fresh, escape analysis on', mode: 'fresh', env: { SPIN_TS_TURBO_ESCAPE: '1' } },
      { column: 'fresh, --no-turbo-escape', mode: 'fresh', env: {} },
      { column: 'snapshot, escape analysis on', mode: 'snapshot', env: { SPIN_TS_TURBO_ESCAPE: '1' } },
      { column: 'snapshot, --no-turbo-escape', mode: 'snapshot', env: {} },
    ],
    ratios: [
      ['fresh: off ÷ on', 1, 0],
      ['snapshot: off ÷ on', 3, 2],
    ],
  },
};

interface Row {
  rps: number;
  /** Server CPU (user + system, all threads) per request, in ms. */
  cpuMs: number;
  p50: number;
  p99: number;
  rssMiB: number;
  errors: number;
}

/** User + system CPU of a process so far, in ms (/proc/<pid>/stat, clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

export async function benchInstances(seconds: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'spin-ts-bench-'));
  const manifest = join(dir, 'spin.toml');
  const rust = guestPath('rust-hello');
  const targets: Array<[string, string]> = [
    ['js-hello (componentize-js, wasi:http)', '/js/x'],
    ['Spin JS SDK app (spin-sdk-app, `/`)', '/'],
  ];
  if (existsSync(rust)) targets.push(['rust-hello (inbound-http)', '/rust/x']);
  await writeFile(
    manifest,
    `spin_manifest_version = 2
[application]
name = "bench-instances"
[[trigger.http]]
route = "/js/..."
component = "js"
[component.js]
source = "${guestPath('js-hello')}"
[[trigger.http]]
route = "/..."
component = "sdk"
[component.sdk]
source = "${guestPath('spin-sdk-app')}"
${existsSync(rust) ? `[[trigger.http]]\nroute = "/rust/..."\ncomponent = "rust"\n[component.rust]\nsource = "${rust}"\n` : ''}`,
  );
  const workers = process.env.BENCH_WORKERS;
  const variantName = process.env.BENCH_INSTANCES_COMPARE ?? 'modes';
  const variant = VARIANTS[variantName];
  if (!variant) throw new Error(`BENCH_INSTANCES_COMPARE=${variantName}: expected one of ${Object.keys(VARIANTS).join(', ')}`);
  const results = new Map<string, Row>();
  for (const { column, mode, env } of variant.columns) {
    const server = await startServer(
      [CLI, 'up', '-f', manifest, '--listen', '127.0.0.1:0', '-q', '--instance-mode', mode, ...(workers ? ['--workers', workers] : [])],
      env,
    );
    try {
      for (const [name, path] of targets) {
        const url = server.url + path;
        await autocannon({ url, connections: 8, duration: 3 }); // warm-up: tier-up, first snapshots
        const cpuBefore = cpuMs(server.proc.pid!);
        const r = await autocannon({ url, connections: 8, duration: seconds });
        results.set(`${column} ${name}`, {
          rps: r.requests.average,
          cpuMs: (cpuMs(server.proc.pid!) - cpuBefore) / Math.max(1, r.requests.total),
          p50: r.latency.p50,
          p99: r.latency.p99,
          rssMiB: rssMiB(server.proc.pid!),
          errors: r.errors + r.non2xx + r.timeouts,
        });
      }
    } finally {
      await server.stop();
    }
  }
  const lines = [
    `Workers: ${workers ?? 'the default'}. Columns: ${variant.columns.map((m) => `**${m.column}**`).join(', ')}, in that order in each cell. CPU: the server process (all threads, user + system) per request. RSS: the server process right after each target's run.`,
    '',
    `| guest | req/s | ${variant.ratios.map(([label]) => label).join(' | ')} | p50 ms | p99 ms | CPU ms/request | RSS MiB | errors |`,
    `| --- | ---: | ${variant.ratios.map(() => '---:').join(' | ')} | ---: | ---: | ---: | ---: | ---: |`,
  ];
  for (const [name] of targets) {
    const rows = variant.columns.map((c) => results.get(`${c.column} ${name}`)!);
    const cell = (pick: (r: Row) => string) => rows.map(pick).join(' / ');
    const ratios = variant.ratios.map(([, a, b]) => fmt(rows[a].rps / rows[b].rps, 2)).join(' | ');
    lines.push(
      `| ${name} | ${cell((r) => fmt(r.rps, 0))} | ${ratios} | ${cell((r) => String(r.p50))} | ${cell((r) => String(r.p99))} | ${cell((r) => fmt(r.cpuMs, 2))} | ${cell((r) => fmt(r.rssMiB, 0))} | ${rows.reduce((n, r) => n + r.errors, 0)} |`,
    );
  }
  return lines.join('\n');
}
