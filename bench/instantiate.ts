/**
 * Per-instance cost of the JS hello guest: ms per instantiation (and per full request on
 * a fresh instance) and memory growth over 200 instances, measured in-process on the same
 * glue and WASI imports the workers use. Guards the transpiler pin: jco 1.35's glue took
 * 50–100 ms per instance and leaked ~9.5 MB each; 1.15.4's takes a few ms, flat.
 */
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { capMemory } from '../host/components/memory-cap.js';
import { JCO_VERSION, transpileCached } from '../host/components/transpile.js';
import { LineSink } from '../host/wasi/cli.js';
import { Fields, IncomingRequest, ResponseOutparam } from '../host/wasi/http-types.js';
import { versionTolerant, wasiImports } from '../host/wasi/index.js';
import { fmt, guestPath } from './support.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function settle(): NodeJS.MemoryUsage {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage();
}

export async function benchInstantiate(count = 200): Promise<{ markdown: string; msPerInstance: number; msPerRequest: number; rssGrowthMb: number }> {
  const t = await transpileCached(guestPath('js-hello'), join(tmpdir(), 'spin-ts-bench-cache'));
  const modules: Record<string, WebAssembly.Module> = {};
  for (const name of t.coreModules)
    modules[name] = await WebAssembly.compile(capMemory(await readFile(join(t.dir, name)), 512 << 20) as Uint8Array<ArrayBuffer>);
  const { instantiate } = (await import(t.jsPath)) as { instantiate: (g: (n: string) => WebAssembly.Module, i: Record<string, object>) => Record<string, any> };
  const imports = versionTolerant(wasiImports({ environment: [], mounts: [], stdout: new LineSink(() => {}), stderr: new LineSink(() => {}) }));
  const getCore = (n: string) => modules[n];
  let bytesOut = 0;
  const serveOne = () => {
    const instance = instantiate(getCore, imports);
    const outparam = new ResponseOutparam({
      head: () => ({ write: (b) => (bytesOut += b.length) }),
      end: () => {},
      error: (m) => {
        throw new Error(m);
      },
    });
    const req = new IncomingRequest({
      method: { tag: 'get' },
      pathWithQuery: '/x',
      scheme: { tag: 'HTTP' },
      authority: 'bench',
      headers: Fields.fromPairs([['host', 'bench']], true),
      body: undefined,
    });
    instance['wasi:http/incoming-handler@0.2.3'].handle(req, outparam);
  };
  for (let i = 0; i < 10; i++) serveOne(); // warm-up: JIT the glue
  const before = settle();
  let instMs = 0;
  for (let i = 0; i < count; i++) {
    const s = performance.now();
    instantiate(getCore, imports);
    instMs += performance.now() - s;
  }
  const reqStart = performance.now();
  for (let i = 0; i < count; i++) serveOne();
  const reqMs = performance.now() - reqStart;
  const afterMem = settle();
  const rssGrowthMb = (afterMem.rss - before.rss) / 2 ** 20;
  const heapGrowthMb = (afterMem.heapUsed - before.heapUsed) / 2 ** 20;
  const msPerInstance = instMs / count;
  const msPerRequest = reqMs / count;
  const markdown = [
    `| measure (jco ${JCO_VERSION}, js-hello, ${count} instances) | value |`,
    '| --- | ---: |',
    `| ms per instantiation | ${fmt(msPerInstance, 2)} |`,
    `| ms per request on a fresh instance (instantiate + handle) | ${fmt(msPerRequest, 2)} |`,
    `| RSS growth over ${2 * count} instances, after GC (MB) | ${fmt(rssGrowthMb)} |`,
    `| JS heap growth over ${2 * count} instances, after GC (MB) | ${fmt(heapGrowthMb, 2)} |`,
  ].join('\n');
  if (bytesOut === 0) throw new Error('the guest wrote no response');
  return { markdown, msPerInstance, msPerRequest, rssGrowthMb };
}
