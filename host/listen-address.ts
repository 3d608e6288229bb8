/** Listening for HTTP, for every listener (the app's trigger and the OpenAI-compatible API): address parsing, binding, origin. */
import { serve, type ServerType } from '@hono/node-server';
import type { Hono } from 'hono';
import type { AddressInfo } from 'node:net';

/** `host:port` as the --listen flags take it (`[::1]:3000` for IPv6; port 0 picks a free one). */
export function parseListenAddress(flag: string, value: string): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(value.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw new Error(`${flag}: '${value}' is not host:port (e.g. 127.0.0.1:3000)`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

/** `http://host:port` for a bound address (IPv6 in brackets). */
export function originOf(address: AddressInfo): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

/** Starts serving `hono`; resolves with the server and its origin once the socket is open. */
export async function listen(hono: Hono, host: string, port: number): Promise<{ server: ServerType; address: AddressInfo; origin: string }> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: hono.fetch, hostname: host, port }, (info) => resolve({ server, address: info, origin: originOf(info) }));
    server.once('error', reject);
  });
}
