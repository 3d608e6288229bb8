/**
 * Starts a real MariaDB server (Debian's `mariadb-server` package) for one test file: a fresh
 * data directory in a temp directory (mariadb-install-db), listening on a free loopback port,
 * its Unix socket inside that directory. mariadbd refuses to run as root unless told to, so as
 * root (CI) it runs with `--user=root`; otherwise as the tests' user. The `spin` user
 * (password `spin`) owns the `spin` database; root connects over the socket with no password.
 * It listens on 127.0.0.1 and 127.0.0.2 and also speaks TLS, with a self-signed certificate
 * for 127.0.0.1 only (its PEM is `certPath`), so a client can check that it verifies both.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

const MARIADBD = '/usr/sbin/mariadbd';
const INSTALL_DB = '/usr/bin/mariadb-install-db';
const CLIENT = '/usr/bin/mariadb';

export function haveMariadb(): boolean {
  return existsSync(MARIADBD) && existsSync(INSTALL_DB) && existsSync(CLIENT);
}

export interface RunningMariadb {
  /** mysql://spin:spin@127.0.0.1:PORT/spin */
  url: string;
  port: number;
  /** The server's self-signed certificate (PEM), for 127.0.0.1. */
  certPath: string;
  /** Runs SQL as root over the server's socket; returns its tab-separated output without column names. */
  sql(statement: string): string;
  /** Stops the server; `start` brings the same data back on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and deletes its data. */
  remove(): Promise<void>;
}

const asRoot = userInfo().uid === 0;

export async function startMariadb(): Promise<RunningMariadb> {
  if (!haveMariadb()) throw new Error('MariaDB is not installed (apt-get install -y mariadb-server)');
  const dir = mkdtempSync(join(tmpdir(), 'spin-ts-mariadb-'));
  const data = join(dir, 'data');
  const socket = join(dir, 'mysqld.sock');
  const user = asRoot ? ['--user=root'] : [];
  execFileSync(INSTALL_DB, ['--no-defaults', `--datadir=${data}`, ...user, '--skip-test-db', '--auth-root-authentication-method=socket'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const certPath = join(dir, 'server.crt');
  const keyPath = join(dir, 'server.key');
  execFileSync(
    'openssl',
    [
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
      keyPath,
      '-out',
      certPath,
    ],
    { stdio: 'ignore' },
  );
  const port = await freePort();
  const args = [
    '--no-defaults',
    `--datadir=${data}`,
    ...user,
    `--port=${port}`,
    '--bind-address=127.0.0.1,127.0.0.2',
    `--ssl-cert=${certPath}`,
    `--ssl-key=${keyPath}`,
    `--socket=${socket}`,
    `--pid-file=${join(dir, 'mariadbd.pid')}`,
    `--log-error=${join(dir, 'error.log')}`,
    '--skip-name-resolve',
    '--skip-log-bin',
    '--innodb-buffer-pool-size=32M',
    '--innodb-log-file-size=8M',
    '--innodb-flush-log-at-trx-commit=0',
    '--max-connections=60',
  ];
  const clientArgs = (statement: string) => ['--no-defaults', `--socket=${socket}`, '-uroot', '-N', '-B', '-e', statement];
  const sql = (statement: string) => execFileSync(CLIENT, clientArgs(statement), { encoding: 'utf8' }).trim();

  let proc: ChildProcess | undefined;
  let out = '';
  async function start(): Promise<void> {
    proc = spawn(MARIADBD, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    proc.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    const started = Date.now();
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`mariadbd exited with ${proc.exitCode}:\n${out}`);
      try {
        execFileSync(CLIENT, clientArgs('SELECT 1'), { stdio: 'ignore' });
        return;
      } catch {
        if (Date.now() - started > 30_000) throw new Error(`mariadbd did not accept connections in 30 s:\n${out}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }
  async function stop(): Promise<void> {
    const p = proc;
    proc = undefined;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await exited;
  }

  await start();
  sql("CREATE DATABASE spin; CREATE USER 'spin'@'127.0.0.%' IDENTIFIED BY 'spin'; GRANT ALL ON spin.* TO 'spin'@'127.0.0.%'");
  return {
    url: `mysql://spin:spin@127.0.0.1:${port}/spin`,
    port,
    certPath,
    sql,
    start,
    stop,
    async remove() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
