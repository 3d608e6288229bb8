/**
 * Local upstream servers for outbound-HTTP tests, on 127.0.0.1 only: plain HTTP and HTTPS
 * with a self-signed certificate made by `openssl` (the spin-ts child trusts it through
 * NODE_EXTRA_CA_CERTS).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer as createHttp, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { tempDir } from './spin.js';

export const MIB = 1024 * 1024;

/** Routes every upstream answers. */
function routes(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://upstream');
  switch (url.pathname) {
    case '/hello':
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`hello from upstream (${req.headers['x-via'] ?? 'wasi-http'})`);
      return;
    case '/big': {
      const total = Number(url.searchParams.get('mb') ?? '1') * MIB;
      const piece = Buffer.alloc(64 * 1024, 98);
      let sent = 0;
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(total) });
      const pump = () => {
        while (sent < total) {
          sent += piece.length;
          if (!res.write(piece)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
      return;
    }
    case '/echo': {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => res.writeHead(200, { 'content-type': 'text/plain', 'x-upstream': 'yes' }).end(`upstream saw ${req.method} ${req.url} ${body}`));
      return;
    }
    case '/count': {
      let n = 0;
      req.on('data', (c: Buffer) => (n += c.length));
      req.on('end', () => res.writeHead(200, { 'content-type': 'text/plain' }).end(String(n)));
      return;
    }
    case '/never':
      return; // never answers
    case '/redirect':
      res.writeHead(302, { location: '/hello', 'content-type': 'text/plain' }).end('moved');
      return;
    default:
      res.writeHead(404).end();
  }
}

/** A request an upstream received: what a test checks the guest sent. */
export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
}

export interface Upstream {
  origin: string;
  port: number;
  /** Every request received, in order. */
  received: ReceivedRequest[];
  close(): Promise<void>;
}

function listening(server: Server, scheme: string, host: string): Promise<Upstream> {
  const received: ReceivedRequest[] = [];
  server.on('request', (req: IncomingMessage) => received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers }));
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as AddressInfo).port;
      resolve({
        origin: `${scheme}://${host}:${port}`,
        port,
        received,
        close: () =>
          new Promise<void>((r) => {
            server.closeAllConnections?.();
            server.close(() => r());
          }),
      });
    });
  });
}

export function startHttpUpstream(): Promise<Upstream> {
  return listening(createHttp(routes), 'http', '127.0.0.1');
}

/** A self-signed certificate (and its key) for `name`, made by openssl in a fresh directory: `DNS:localhost` or `IP:127.0.0.1`. */
export async function selfSignedCertificate(name: string, altName: string): Promise<{ key: string; cert: string }> {
  const dir = await tempDir('spin-ts-tls-');
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  const args = [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    key,
    '-out',
    cert,
    '-days',
    '1',
    '-subj',
    `/CN=${name}`,
    '-addext',
    `subjectAltName=${altName}`,
  ];
  execFileSync('openssl', args, { stdio: 'ignore' });
  return { key, cert };
}

/** An HTTPS upstream for `localhost` and the CA file that trusts it. */
export async function startHttpsUpstream(): Promise<Upstream & { caFile: string }> {
  const { key, cert } = await selfSignedCertificate('localhost', 'DNS:localhost');
  const server = createHttps({ key: readFileSync(key), cert: readFileSync(cert) }, routes);
  return { ...(await listening(server, 'https', 'localhost')), caFile: cert };
}

/** Resident set size of a process, in bytes (Linux /proc). */
export function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}
