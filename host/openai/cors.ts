/**
 * CORS for the OpenAI-compatible API, through Hono's `cors` middleware. `--cors-origin`
 * (repeatable) names the browser origins that may call the API; `*` allows every origin.
 * Default: none — a page on some other site cannot use the models of the machine it runs on.
 * A preflight (OPTIONS) is answered before the API key is checked (browsers never send
 * credentials with it); an origin that is not allowed gets no Access-Control-Allow-Origin, so
 * the browser refuses the real request.
 */
import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';

/** Check `--cors-origin` values: `*` or an origin as browsers send it (`scheme://host[:port]`). */
export function parseCorsOrigins(values: readonly string[]): string[] {
  for (const v of values) {
    if (v === '*') continue;
    let origin: string | undefined;
    try {
      origin = new URL(v).origin;
    } catch {
      origin = undefined;
    }
    if (origin === undefined || origin === 'null' || origin !== v) {
      throw new Error(`--cors-origin '${v}' is not an origin: give '*' or scheme://host[:port] with no path or trailing slash (e.g. http://localhost:5173)`);
    }
  }
  return [...new Set(values)];
}

/** The middleware for these origins (none: preflights still answer 204, with no allow-origin). */
export function corsMiddleware(origins: readonly string[]): MiddlewareHandler {
  const any = origins.includes('*');
  const allowed = new Set(origins);
  return cors({
    origin: any ? '*' : (origin) => (allowed.has(origin) ? origin : null),
    allowMethods: ['GET', 'POST', 'OPTIONS'],
    // the requested headers are reflected (Authorization, Content-Type, the SDKs' x-stainless-*)
    exposeHeaders: ['Retry-After'],
    maxAge: 600,
  });
}
