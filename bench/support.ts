/** Shared by the benchmarks: start servers as a user would, and describe the machine. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = join(REPO, 'bin', 'spin-ts.js');

/** The tests' free-port helper: the benches start the same real servers (redis-server, llama-server). */
export { freePort } from '../test/support/ports.js';

export function guestPath(name: string): string {
  return join(REPO, 'guest-examples', name, 'dist', `${name}.wasm`);
}

export interface Server {
  url: string;
  proc: ChildProcess;
  /** Everything the process has printed so far (stdout and stderr). */
  output(): string;
  stop(): Promise<void>;
}

/** Waits until GET <url>/health answers 200; throws with the output's tail if the process exits or 120 s pass. */
export async function waitHealthy(url: string, proc: ChildProcess, output: () => string): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    if (proc.exitCode !== null) throw new Error(`exited with ${proc.exitCode}:\n${output().slice(-3000)}`);
    const ok = await fetch(`${url}/health`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`not healthy after 120 s:\n${output().slice(-3000)}`);
}

/** The `data:` payloads of a server-sent-event response, each as soon as it arrives (`[DONE]` included). */
export async function* sseData(res: Response): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  const reader = res.body!.getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let i: number;
    while ((i = buffer.indexOf('\n\n')) >= 0) {
      const event = buffer.slice(0, i).trim();
      buffer = buffer.slice(i + 2);
      if (event.startsWith('data: ')) yield event.slice('data: '.length);
    }
  }
}

/** Spawns a process and waits until it prints "Serving http://…". */
export async function startServer(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Server> {
  const proc = spawn(process.execPath, args, { cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const url = await new Promise<string>((resolveUrl, reject) => {
    const onData = (c: Buffer) => {
      out += c.toString();
      const m = /Serving (http:\/\/\S+)/.exec(out);
      if (m) resolveUrl(m[1]);
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.once('exit', (code) => reject(new Error(`exited with ${code}:\n${out}`)));
  });
  proc.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  return {
    url,
    proc,
    output: () => out,
    stop: async () => {
      if (proc.exitCode !== null) return;
      const done = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await done;
    },
  };
}

/**
 * `spin-ts up` on the js-llm guest (POST /infer) with one model from a runtime config, as a
 * user would run an LLM app: the app and its config are written under .spin/<name>, and
 * `args` adds engine flags (threads, slots, --gpu, …) after the common ones.
 */
export async function startLlmApp(opts: { name: string; model: string; path: string; contextSize: number; args: string[] }): Promise<Server> {
  const dir = join(REPO, '.spin', opts.name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'rc.toml'), `[llm_models.${opts.model}]\npath = "${opts.path}"\ncontext_size = ${opts.contextSize}\n`);
  await writeFile(
    join(dir, 'spin.toml'),
    `spin_manifest_version = 2\n[application]\nname = "${opts.name}"\n[[trigger.http]]\nroute = "/..."\ncomponent = "llm"\n[component.llm]\nsource = "${guestPath('js-llm')}"\nai_models = ["${opts.model}"]\n`,
  );
  return startServer([
    CLI,
    'up',
    '-f',
    join(dir, 'spin.toml'),
    '--listen',
    '127.0.0.1:0',
    '-q',
    '--runtime-config-file',
    join(dir, 'rc.toml'),
    '--preload-models',
    ...opts.args,
  ]);
}

export function machine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return `${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
}

export const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
