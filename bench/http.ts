/** Requests/s and latency: js-hello and rust-hello through spin-ts beside a plain Hono handler, in one run. */
import autocannon, { type Result } from 'autocannon';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, fmt, guestPath, startServer, type Server } from './support.js';

export interface HttpRow {
  target: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

async function load(url: string, seconds: number): Promise<Result> {
  await autocannon({ url, connections: 8, duration: 2 }); // warm-up
  return autocannon({ url, connections: 8, duration: seconds });
}

export async function benchHttp(seconds: number): Promise<{ rows: HttpRow[]; markdown: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'spin-ts-bench-'));
  const manifest = join(dir, 'spin.toml');
  const rust = guestPath('rust-hello');
  await writeFile(
    manifest,
    `spin_manifest_version = 2
[application]
name = "bench"
[[trigger.http]]
route = "/js/..."
component = "js"
${existsSync(rust) ? `[[trigger.http]]\nroute = "/rust/..."\ncomponent = "rust"\n[component.rust]\nsource = "${rust}"\n` : ''}
[component.js]
source = "${guestPath('js-hello')}"
`,
  );
  const rows: HttpRow[] = [];
  const targets: Array<[string, () => Promise<Server>, string]> = [
    ['plain Hono handler (baseline)', () => startServer([join('dist', 'bench', 'plain-hono.js')]), '/x'],
    ['spin-ts, JS guest (js-hello, wasi:http)', () => startServer([CLI, 'up', '-f', manifest, '--listen', '127.0.0.1:0', '-q']), '/js/x'],
  ];
  if (existsSync(rust))
    targets.push([
      'spin-ts, Rust guest (rust-hello, inbound-http)',
      () => startServer([CLI, 'up', '-f', manifest, '--listen', '127.0.0.1:0', '-q']),
      '/rust/x',
    ]);
  for (const [target, start, path] of targets) {
    const server = await start();
    try {
      const r = await load(server.url + path, seconds);
      rows.push({ target, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.non2xx + r.timeouts });
    } finally {
      await server.stop();
    }
  }
  const base = rows[0].rps;
  const markdown = [
    '| target | requests/s | ÷ plain Hono | p50 ms | p99 ms | errors |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((r) => `| ${r.target} | ${fmt(r.rps, 0)} | ${fmt(r.rps / base, 3)} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${r.errors} |`),
  ].join('\n');
  return { rows, markdown };
}
