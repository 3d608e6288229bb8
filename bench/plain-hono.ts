/** The baseline: the same echo as the js-hello guest, as a plain Hono handler in Node. */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const app = new Hono();
app.all('*', async (c) => {
  const headers: Record<string, string> = {};
  c.req.raw.headers.forEach((v, k) => (headers[k] = v));
  const body = c.req.method === 'GET' || c.req.method === 'HEAD' ? '' : await c.req.text();
  const url = new URL(c.req.url);
  return c.json({ message: 'Hello from plain Hono', method: c.req.method, pathWithQuery: url.pathname + url.search, headers, body, env: {} });
});
serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => console.log(`Serving http://127.0.0.1:${info.port}`));
