/**
 * Instance modes side by side: the same guests through `spin-ts up --instance-mode fresh`
 * and `--instance-mode snapshot`, in one run: requests/s, latency and the server's RSS.
 */
import autocannon from 'autocannon';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, fmt, guestPath, startServer } from './support.js';

const MODES = ['fresh', 'snapshot'] as const;

interface Row {
  rps: number;
  p50: number;
  p99: number;
  rssMiB: number;
  errors: number;
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
  for (const mode of MODES) {
    const server = await startServer([
      CLI,
      'up',
      '-f',
      manifest,
      '--listen',
      '127.0.0.1:0',
      '-q',
      '--instance-mode',
      mode,
      ...(workers ? ['--workers', workers] : []),
    ]);
    try {
      for (const [name, path] of targets) {
        const url = server.url + path;
        await autocannon({ url, connections: 8, duration: 3 }); // warm-up: tier-up, first snapshots
        const r = await autocannon({ url, connections: 8, duration: seconds });
        results.set(`${mode} ${name}`, {
          rps: r.requests.average,
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
    `Workers: ${workers ?? 'the default'}. RSS: the server process (main thread and workers) right after each target's run.`,
    '',
    '| guest | fresh req/s | snapshot req/s | snapshot ÷ fresh | p50 ms fresh / snapshot | p99 ms fresh / snapshot | RSS MiB fresh / snapshot | errors |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const [name] of targets) {
    const f = results.get(`fresh ${name}`)!;
    const s = results.get(`snapshot ${name}`)!;
    lines.push(
      `| ${name} | ${fmt(f.rps, 0)} | ${fmt(s.rps, 0)} | ${fmt(s.rps / f.rps, 2)} | ${f.p50} / ${s.p50} | ${f.p99} / ${s.p99} | ${fmt(f.rssMiB, 0)} / ${fmt(s.rssMiB, 0)} | ${f.errors + s.errors} |`,
    );
  }
  return lines.join('\n');
}
