/** Starts `spin-ts` as a user would: the real CLI in a child process, over real HTTP. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
// the bin users run (it sizes libuv's threadpool before loading dist/host/cli/main.js)
export const CLI = join(REPO, 'bin', 'spin-ts.js');
/** Shared by the test files so each guest is transpiled once per machine, not once per test. */
export const TEST_CACHE = join(tmpdir(), 'spin-ts-test-cache');

/** Absolute path of a built example guest. */
export function guest(name: string): string {
  const nested: Record<string, string> = { 'rust-abi-probe': 'rust/abi-probe' };
  return join(REPO, 'guest-examples', nested[name] ?? name, 'dist', `${name}.wasm`);
}

export async function tempDir(prefix = 'spin-ts-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Writes spin.toml (and any extra files) into a fresh directory; returns the manifest path. */
export async function writeApp(toml: string, files: Record<string, string> = {}): Promise<string> {
  const dir = await tempDir();
  for (const [name, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), content);
  }
  const manifest = join(dir, 'spin.toml');
  await writeFile(manifest, toml);
  return manifest;
}

export interface RunningSpin {
  url: string;
  proc: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

export interface SpinOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** How long to wait for "Serving http://…" (default 60 s). */
  startTimeoutMs?: number;
}

function baseEnv(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...process.env, SPIN_TS_CACHE_DIR: TEST_CACHE, ...extra };
}

/**
 * Spawns the CLI with `args` and resolves once its output matches `ready` (whose first
 * group is the URL). `what` names the command in errors.
 */
export async function spawnUntilServing(args: string[], ready: RegExp, what: string, opts: SpinOptions = {}): Promise<RunningSpin> {
  const proc = spawn(process.execPath, [CLI, ...args], {
    cwd: opts.cwd ?? REPO,
    env: baseEnv(opts.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const stop = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start in time:\n${out}`)), opts.startTimeoutMs ?? 60_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = ready.exec(out);
      if (m) {
        clearTimeout(timer);
        resolveUrl(m[1]!);
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code} before serving:\n${out}`));
    });
  });
  return { url, proc, output: () => out, stop };
}

/**
 * `--gpu <SPIN_TS_TEST_GPU>` unless the args choose one: the GPU run (scripts/gpu/on-device.sh)
 * runs the same tests with `cuda`; unset, spin-ts's own default applies.
 */
export function gpuArgs(args: string[]): string[] {
  const gpu = process.env.SPIN_TS_TEST_GPU;
  return gpu && !args.includes('--gpu') ? ['--gpu', gpu] : [];
}

/** `spin-ts up <args>` on a free port; resolves once it serves. */
export function startSpin(args: string[], opts: SpinOptions = {}): Promise<RunningSpin> {
  return spawnUntilServing(['up', '--listen', '127.0.0.1:0', ...gpuArgs(args), ...args], /Serving (http:\/\/[^\s]+)/, 'spin-ts up', opts);
}

/** Runs the CLI to completion (for commands expected to fail, or short ones). */
export async function runCli(
  args: string[],
  opts: SpinOptions & { timeoutMs?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = spawn(process.execPath, [CLI, ...args], { cwd: opts.cwd ?? REPO, env: baseEnv(opts.env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => proc.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
  const code = await new Promise<number | null>((r) => proc.once('exit', r));
  clearTimeout(timer);
  return { code, stdout, stderr };
}
