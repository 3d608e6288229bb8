/**
 * WASIp3 hello throughput beside WASIp2 hellos on the same SDKs: the Python SDK app on
 * spin-sdk 3.3.1 (wasi:http/incoming-handler@0.2.0) and on spin-sdk 5.0.0
 * (wasi:http/handler@0.3.0), the Rust spin-sdk crate 5.2.0 (0.2) and 7.0.0 (0.3). p3
 * instances are fresh per request (docs/wasip3.md), so each 0.2 app is also measured with
 * --instance-mode fresh, the like-for-like row. One server per row, run one after another.
 */
import autocannon from 'autocannon';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, fmt, guestPath, startServer } from './support.js';

interface Target {
  label: string;
  guest: string;
  path: string;
  args: string[];
}

const TARGETS: Target[] = [
  { label: 'Python spin-sdk 3.3.1, wasi:http 0.2, snapshot (default)', guest: 'python-sdk', path: '/', args: [] },
  { label: 'Python spin-sdk 3.3.1, wasi:http 0.2, --instance-mode fresh', guest: 'python-sdk', path: '/', args: ['--instance-mode', 'fresh'] },
  { label: 'Python spin-sdk 5.0.0, wasi:http 0.3 (WASIp3, fresh)', guest: 'python-sdk-p3', path: '/hello', args: [] },
  { label: 'Rust spin-sdk 5.2.0, wasi:http 0.2, snapshot (default)', guest: 'rust-sdk-http', path: '/hello/bench', args: [] },
  { label: 'Rust spin-sdk 5.2.0, wasi:http 0.2, --instance-mode fresh', guest: 'rust-sdk-http', path: '/hello/bench', args: ['--instance-mode', 'fresh'] },
  { label: 'Rust spin-sdk 7.0.0, wasi:http 0.3 (WASIp3, fresh)', guest: 'rust-sdk-p3', path: '/hello', args: [] },
];

export async function benchP3(seconds: number): Promise<{ markdown: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'spin-ts-bench-p3-'));
  const lines = ['| app | requests/s | p50 ms | p99 ms | errors |', '| --- | ---: | ---: | ---: | ---: |'];
  for (const t of TARGETS) {
    const wasm = guestPath(t.guest);
    if (!existsSync(wasm)) {
      lines.push(`| ${t.label} | not built | | | |`);
      continue;
    }
    const manifest = join(dir, `${t.guest}.toml`);
    await writeFile(
      manifest,
      `spin_manifest_version = 2\n[application]\nname = "bench"\n[[trigger.http]]\nroute = "/..."\ncomponent = "app"\n[component.app]\nsource = ${JSON.stringify(wasm)}\n`,
    );
    const server = await startServer([CLI, 'up', '-f', manifest, '--listen', '127.0.0.1:0', '-q', ...t.args]);
    try {
      const url = server.url + t.path;
      await autocannon({ url, connections: 8, duration: 3 }); // warm-up: every worker compiles its glue
      const r = await autocannon({ url, connections: 8, duration: seconds });
      lines.push(`| ${t.label} | ${fmt(r.requests.average, 0)} | ${fmt(r.latency.p50)} | ${fmt(r.latency.p99)} | ${r.errors + r.non2xx + r.timeouts} |`);
    } finally {
      await server.stop();
    }
  }
  return { markdown: lines.join('\n') };
}
