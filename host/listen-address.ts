/** Listening for HTTP, for every listener (the app's trigger and the OpenAI-compatible API): address parsing, binding, origin. */
import { serve, type ServerType } from '@hono/node-server';
import type { Hono } from 'hono';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

/** `host:port` as the --listen flags take it (`[::1]:3000` for IPv6; port 0 picks a free one). */
export function parseListenAddress(flag: string, value: string): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(value.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw new Error(`${flag}: '${value}' is not host:port (e.g. 127.0.0.1:3000)`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

/** `http://host:port` (or https) for a bound address (IPv6 in brackets). */
export function originOf(address: AddressInfo, scheme: 'http' | 'https' = 'http'): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `${scheme}://${host}:${address.port}`;
}

export interface ListenOptions {
  /** Serve HTTPS with this PEM certificate chain and key (spin up's --tls-cert/--tls-key). */
  tls?: { cert: Buffer; key: Buffer };
  /** When the port is taken, try the next ones (spin up's --find-free-port: up to FREE_PORT_TRIES more). */
  findFreePort?: boolean;
}

/** How many ports after the asked-for one --find-free-port tries, as Spin does. */
export const FREE_PORT_TRIES = 10;

function listenOnce(hono: Hono, host: string, port: number, tls: ListenOptions['tls']): Promise<{ server: ServerType; address: AddressInfo; origin: string }> {
  return new Promise((resolve, reject) => {
    const options = tls ? { createServer: createHttpsServer, serverOptions: { cert: tls.cert, key: tls.key } } : {};
    const server = serve({ fetch: hono.fetch, hostname: host, port, ...options }, (info) =>
      resolve({ server, address: info, origin: originOf(info, tls ? 'https' : 'http') }),
    );
    server.once('error', reject);
  });
}

/** Starts serving `hono`; resolves with the server and its origin once the socket is open. */
export async function listen(
  hono: Hono,
  host: string,
  port: number,
  opts: ListenOptions = {},
): Promise<{ server: ServerType; address: AddressInfo; origin: string }> {
  const last = opts.findFreePort && port !== 0 ? Math.min(65535, port + FREE_PORT_TRIES) : port;
  for (let p = port; ; p++) {
    try {
      return await listenOnce(hono, host, p, opts.tls);
    } catch (err) {
      const inUse = (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
      if (!inUse || p >= last) {
        if (inUse && !opts.findFreePort)
          throw new Error(`${host}:${port} is already in use. To have spin-ts search for a free port, use the --find-free-port option.`);
        if (inUse) throw new Error(`no free port in ${host}:${port}-${last}. Try a lower base port.`);
        throw err;
      }
    }
  }
}
