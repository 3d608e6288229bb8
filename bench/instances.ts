/**
 * Instance modes side by side: the same guests through `spin-ts up --instance-mode fresh`,
 * `--instance-mode snapshot` with every grown memory let go (SPIN_TS_DISCARD_GROWN=1, the
 * behaviour before growable memories) and `--instance-mode snapshot` as it is (grown pages
 * kept, growable-memory.ts), in one run: requests/s, latency, the server's CPU per request
 * and its RSS.
 */
import autocannon from 'autocannon';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, fmt, guestPath, startServer } from './support.js';

/** What each column runs: the --instance-mode and the server's extra environment. */
const MODES: Array<{ column: string; mode: string; env: NodeJS.ProcessEnv }> = [
  { column: 'fresh', mode: 'fresh', env: {} },
  { column: 'snapshot, grown memory let go', mode: 'snapshot', env: { SPIN_TS_DISCARD_GROWN: '1' } },
  { column: 'snapshot, grown pages kept', mode: 'snapshot', env: {} },
];

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
  const results = new Map<string, Row>();
  for (const { column, mode, env } of MODES) {
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
  const [fresh, discard, kept] = MODES.map((m) => m.column);
  const lines = [
    `Workers: ${workers ?? 'the default'}. Columns: ${MODES.map((m) => `**${m.column}**`).join(', ')}, in that order in each cell. CPU: the server process (all threads, user + system) per request. RSS: the server process right after each target's run.`,
    '',
    '| guest | req/s | kept ÷ fresh | kept ÷ let go | p50 ms | p99 ms | CPU ms/request | RSS MiB | errors |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const [name] of targets) {
    const rows = [fresh, discard, kept].map((c) => results.get(`${c} ${name}`)!);
    const cell = (pick: (r: Row) => string) => rows.map(pick).join(' / ');
    lines.push(
      `| ${name} | ${cell((r) => fmt(r.rps, 0))} | ${fmt(rows[2].rps / rows[0].rps, 2)} | ${fmt(rows[2].rps / rows[1].rps, 2)} | ${cell((r) => String(r.p50))} | ${cell((r) => String(r.p99))} | ${cell((r) => fmt(r.cpuMs, 2))} | ${cell((r) => fmt(r.rssMiB, 0))} | ${rows.reduce((n, r) => n + r.errors, 0)} |`,
    );
  }
  return lines.join('\n');
}
