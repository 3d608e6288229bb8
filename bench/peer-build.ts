/**
 * llama-server, the peer the serving bench measures against, built from the llama.cpp source
 * node-llama-cpp ships (its gitRelease.bundle), so both sides run the same llama.cpp version.
 * It is configured to load its CPU kernels as a dynamic backend, and node-llama-cpp's own
 * prebuilt `libggml-cpu-*.so` variants are copied beside it: ggml picks the best-scoring
 * variant for this CPU on both sides, so both run the same kernels.
 *
 * The build is cached outside the repository (SPIN_TS_PEER_CACHE, default
 * ~/.cache/spin-ts/llama-server/<commit>) and reused while the bundle's commit is the same.
 * It takes about half an hour on 2 cores; its output goes to build.log there.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, writeFile, appendFile } from 'node:fs/promises';
import { availableParallelism, homedir } from 'node:os';
import { join } from 'node:path';
import { REPO } from './support.js';

export interface PeerBuild {
  server: string;
  commit: string;
  dir: string;
}

const BUNDLE = join(REPO, 'node_modules', 'node-llama-cpp', 'llama', 'gitRelease.bundle');
const PREBUILT = join(REPO, 'node_modules', '@node-llama-cpp', `${process.platform}-${process.arch}`, 'bins', `${process.platform}-${process.arch}`);

/** Runs a command, appending its output to `log`; rejects with the log's tail on failure. */
async function run(cmd: string, args: string[], log: string, cwd?: string): Promise<string> {
  await appendFile(log, `\n$ ${cmd} ${args.join(' ')}\n`);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let tail = '';
    const take = (c: Buffer) => {
      const s = c.toString();
      out += s;
      tail = (tail + s).slice(-4000);
      void appendFile(log, s);
      const step = /\[(\d+)\/(\d+)\]/.exec(s);
      if (step) process.stderr.write(`\rpeer: building llama-server ${step[1]}/${step[2]}   `);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args[0] ?? ''} exited with ${code}:\n${tail}`))));
  });
}

/** The commit the bundle holds (the cache key). */
async function bundleCommit(): Promise<string> {
  const heads = await run('git', ['bundle', 'list-heads', BUNDLE], '/dev/null');
  const commit = /^([0-9a-f]{40})/m.exec(heads)?.[1];
  if (!commit) throw new Error(`no commit in ${BUNDLE}`);
  return commit;
}

/** Builds llama-server once (or finds the cached build); throws with the reason when it cannot. */
export async function buildPeer(): Promise<PeerBuild> {
  if (!existsSync(BUNDLE)) throw new Error(`node-llama-cpp's llama.cpp source is missing (${BUNDLE})`);
  if (!existsSync(PREBUILT)) throw new Error(`node-llama-cpp has no prebuilt binaries for ${process.platform}-${process.arch} (${PREBUILT})`);
  const commit = await bundleCommit();
  const dir = process.env.SPIN_TS_PEER_CACHE ?? join(homedir(), '.cache', 'spin-ts', 'llama-server', commit.slice(0, 12));
  const src = join(dir, 'llama.cpp');
  const build = join(dir, 'build');
  const bin = join(build, 'bin');
  const server = join(bin, 'llama-server');
  const log = join(dir, 'build.log');
  await mkdir(dir, { recursive: true });
  if (!existsSync(server)) {
    await writeFile(log, `llama-server from ${BUNDLE} (${commit})\n`);
    console.error(`peer: building llama-server from node-llama-cpp's llama.cpp source into ${dir} (once; about 30 minutes on 2 cores; log: ${log})`);
    if (!existsSync(join(src, 'CMakeLists.txt'))) await run('git', ['clone', '--quiet', BUNDLE, src], log);
    const ninja = await run('ninja', ['--version'], log).then(
      () => true,
      () => false,
    );
    await run(
      'cmake',
      [
        '-S',
        src,
        '-B',
        build,
        ...(ninja ? ['-G', 'Ninja'] : []),
        '-DCMAKE_BUILD_TYPE=Release',
        '-DBUILD_SHARED_LIBS=ON',
        '-DGGML_BACKEND_DL=ON',
        '-DGGML_CPU_ALL_VARIANTS=OFF',
        '-DGGML_NATIVE=OFF',
        '-DLLAMA_CURL=OFF',
        '-DLLAMA_BUILD_TESTS=OFF',
        '-DLLAMA_BUILD_EXAMPLES=OFF',
      ],
      log,
    );
    await run('cmake', ['--build', build, '--target', 'llama-server', 'ggml-cpu', '-j', String(availableParallelism())], log);
    process.stderr.write('\n');
  }
  // node-llama-cpp's CPU kernels beside the server (refreshed each time: node-llama-cpp may have been updated)
  for (const f of await readdir(PREBUILT)) if (/^libggml-cpu-.*\.so$/.test(f)) await copyFile(join(PREBUILT, f), join(bin, f));
  return { server, commit, dir };
}
