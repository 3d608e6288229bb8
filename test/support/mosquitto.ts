/**
 * Starts a real Mosquitto broker (Debian's mosquitto) on a free loopback port, for one test file,
 * with a config file written to a temp directory: anonymous, or with one user whose password is
 * in a password file made by mosquitto_passwd. Nothing is persisted.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

export const MOSQUITTO = '/usr/sbin/mosquitto';
const MOSQUITTO_PASSWD = '/usr/bin/mosquitto_passwd';

export function haveMosquitto(): boolean {
  return existsSync(MOSQUITTO) && existsSync(MOSQUITTO_PASSWD);
}

export interface MosquittoOptions {
  /** A given port (to restart a broker where it was); a free one by default. */
  port?: number;
  /** Require this user and password; anonymous clients are refused. */
  credentials?: { username: string; password: string };
}

export interface RunningMosquitto {
  port: number;
  /** `mqtt://127.0.0.1:<port>` (no client_id: Spin's addresses add `?client_id=`). */
  url: string;
  stop(): Promise<void>;
}

export async function startMosquitto(opts: MosquittoOptions = {}): Promise<RunningMosquitto> {
  const port = opts.port ?? (await freePort());
  const dir = await mkdtemp(join(tmpdir(), 'spin-ts-mosquitto-'));
  // Started as root, mosquitto reads its files as the mosquitto user.
  await chmod(dir, 0o755);
  const conf = [`listener ${port} 127.0.0.1`, 'persistence false', 'log_dest stderr'];
  if (opts.credentials) {
    const file = join(dir, 'passwd');
    const r = spawnSync(MOSQUITTO_PASSWD, ['-b', '-c', file, opts.credentials.username, opts.credentials.password], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`mosquitto_passwd failed: ${r.stderr}`);
    await chmod(file, 0o644);
    conf.push('allow_anonymous false', `password_file ${file}`);
  } else {
    conf.push('allow_anonymous true');
  }
  const confFile = join(dir, 'mosquitto.conf');
  await writeFile(confFile, conf.join('\n') + '\n');
  const proc: ChildProcess = spawn(MOSQUITTO, ['-c', confFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`mosquitto did not start:\n${out}`)), 10_000);
    const onData = (c: Buffer) => {
      out += c.toString();
      if (/mosquitto version [\d.]+ running/.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`mosquitto exited with ${code}:\n${out}`));
    });
  });
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
