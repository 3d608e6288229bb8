/**
 * Starts a real PostgreSQL server (Debian's `postgresql` package) for one test file: a fresh
 * cluster in a temp directory (initdb, trust auth for loopback), listening on a free
 * loopback port, no Unix socket outside that directory. PostgreSQL refuses to run as root,
 * so as root (CI) the cluster belongs to the `postgres` user and every command on it runs
 * with that user's uid and gid. With `tls`, the server also speaks TLS with a self-signed certificate for
 * 127.0.0.1 (its PEM is `certPath`).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

const PG_ROOT = '/usr/lib/postgresql';

/** The newest installed server's bin directory, or undefined. */
export function postgresBin(): string | undefined {
  if (!existsSync(PG_ROOT)) return undefined;
  const versions = readdirSync(PG_ROOT)
    .filter((v) => existsSync(join(PG_ROOT, v, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(PG_ROOT, versions[0]!, 'bin') : undefined;
}

export function havePostgres(): boolean {
  return postgresBin() !== undefined;
}

export interface RunningPostgres {
  /** postgres://postgres@127.0.0.1:PORT/postgres (trust auth: no password). */
  url: string;
  port: number;
  /** The self-signed certificate's PEM file, when started with `tls`. */
  certPath?: string;
  /** Runs SQL with psql as the superuser; returns its unaligned, tuples-only output. */
  psql(sql: string): string;
  /** Stops the server (fast shutdown); `start` brings the same cluster back on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and deletes its cluster. */
  remove(): Promise<void>;
}

const asRoot = userInfo().uid === 0;

/** The uid and gid commands on the cluster run as: the `postgres` user when we are root. */
function owner(): { uid?: number; gid?: number } {
  if (!asRoot) return {};
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

export async function startPostgres(opts: { tls?: boolean } = {}): Promise<RunningPostgres> {
  const bin = postgresBin();
  if (!bin) throw new Error('PostgreSQL is not installed (apt-get install -y postgresql)');
  const dir = mkdtempSync(join(tmpdir(), 'spin-ts-pg-'));
  chmodSync(dir, 0o700);
  const data = join(dir, 'data');
  const ids = owner();
  if (ids.uid !== undefined) chownSync(dir, ids.uid, ids.gid!);
  const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { ...ids, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  run(join(bin, 'initdb'), ['-D', data, '--username=postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync']);
  const port = await freePort();
  const settings = [`port = ${port}`, `listen_addresses = '127.0.0.1'`, `unix_socket_directories = '${dir}'`, 'fsync = off', 'max_connections = 40'];
  let certPath: string | undefined;
  if (opts.tls) {
    certPath = join(dir, 'server.crt');
    const key = join(dir, 'server.key');
    run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      certPath,
    ]);
    chmodSync(key, 0o600);
    settings.push('ssl = on', `ssl_cert_file = '${certPath}'`, `ssl_key_file = '${key}'`);
  }
  const conf = join(dir, 'extra.conf');
  writeFileSync(conf, settings.join('\n') + '\n');
  run('/bin/sh', ['-c', `cat '${conf}' >> '${join(data, 'postgresql.conf')}'`]);

  let proc: ChildProcess | undefined;
  let out = '';
  const psqlArgs = (sql: string) => [
    '-h',
    '127.0.0.1',
    '-p',
    String(port),
    '-U',
    'postgres',
    '-d',
    'postgres',
    '-X',
    '-A',
    '-t',
    '-v',
    'ON_ERROR_STOP=1',
    '-c',
    sql,
  ];

  async function start(): Promise<void> {
    proc = spawn(join(bin!, 'postgres'), ['-D', data], { ...ids, stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    proc.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    const started = Date.now();
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`postgres exited with ${proc.exitCode}:\n${out}`);
      try {
        execFileSync(join(bin!, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port), '-q'], { stdio: 'ignore' });
        return;
      } catch {
        if (Date.now() - started > 20_000) throw new Error(`postgres did not accept connections in 20 s:\n${out}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  async function stop(): Promise<void> {
    const p = proc;
    proc = undefined;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    // SIGINT is postgres's fast shutdown: clients are disconnected, no checkpoint wait.
    p.kill('SIGINT');
    await exited;
  }

  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    certPath,
    psql: (sql) => execFileSync(join(bin, 'psql'), psqlArgs(sql), { encoding: 'utf8' }).trim(),
    start,
    stop,
    async remove() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
