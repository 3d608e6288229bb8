/**
 * The OpenAI-compatible API (docs/spec.md §7) and Spin's remote protocol (docs/spec.md §3) on one Hono app, and
 * the listener that serves it. `spin-ts up --openai-listen` starts it beside the app, on the same
 * engine (models, slots and queue shared with the components); `spin-ts models serve` starts it
 * alone.
 *
 *   GET  /health                    200 {"status":"ok"}, 503 while models load   (no key needed)
 *   GET  /.well-known/spin/health   200 OK                                       (no key needed)
 *   GET  /metrics                   Prometheus text
 *   GET  /v1/models, /v1/models/{id}
 *   POST /v1/chat/completions, /v1/completions, /v1/embeddings
 *   POST /v1/responses              the Responses API (responses.ts)
 *   POST /infer, /embed             Spin's remote_http "default" protocol
 *   POST /tokenize, /detokenize     llama-server's (tokenize.ts)
 * Every 4xx/5xx body is {"error":{"message","type","param","code"}}.
 */
import type { ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import type { LlmEngine } from '../llm/engine.js';
import { ServingMetrics } from '../observability/metrics.js';
import { listen } from '../listen-address.js';
import { ApiKeys, isLoopbackHost } from './auth.js';
import { corsMiddleware } from './cors.js';
import { chatCompletions } from './chat.js';
import type { CompletionTemplate } from './completion-template.js';
import { completions } from './completions.js';
import { unixSeconds, type ApiContext } from './context.js';
import { embeddings } from './embeddings.js';
import { ApiError } from './errors.js';
import { requestLimitsFromEnv, type RequestLimits } from './limits.js';
import { getModel, listModels } from './models.js';
import { responses } from './responses.js';
import { spinEmbed, spinInfer } from './spin-remote.js';
import { detokenize, tokenize } from './tokenize.js';

/** `host:port` (IPv6 in brackets; port 0 picks a free one), or an error naming the flag. */ /** 503 on /health while any tracked load is pending. */
export class HealthState {
  private pending = 0;

  get loading(): boolean {
    return this.pending > 0;
  }

  /** Count `p` as loading until it settles (its failure is the caller's to report). */
  track<T>(p: Promise<T>): Promise<T> {
    this.pending++;
    const done = (): void => {
      this.pending--;
    };
    p.then(done, done);
    return p;
  }
}

export interface OpenAiAppOptions {
  /** The engine: the same instance the app's components use. */
  engine: () => Promise<LlmEngine>;
  apiKeys: readonly string[];
  metrics?: ServingMetrics;
  health?: HealthState;
  /** Size limits on generation requests; default: limits.ts's, overridden by the environment. */
  limits?: RequestLimits;
  /** Browser origins allowed to call the API (`*`: any); default none (cors.ts). */
  corsOrigins?: readonly string[];
  /** The model table's completion templates, compiled at start (completion-template.ts). */
  completionTemplates?: ReadonlyMap<string, CompletionTemplate>;
  log: (line: string) => void;
}

const NO_AUTH = new Set(['/health', '/.well-known/spin/health']);
const ROUTES = new Set([
  '/health',
  '/.well-known/spin/health',
  '/metrics',
  '/v1/models',
  '/v1/chat/completions',
  '/v1/completions',
  '/v1/embeddings',
  '/v1/responses',
  '/infer',
  '/embed',
  '/tokenize',
  '/detokenize',
]);

function routeLabel(path: string): string {
  if (path.startsWith('/v1/models/')) return '/v1/models/{id}';
  return ROUTES.has(path) ? path : 'other';
}

export function createOpenAiApp(opts: OpenAiAppOptions): { hono: Hono; metrics: ServingMetrics; health: HealthState } {
  const metrics = opts.metrics ?? new ServingMetrics();
  const health = opts.health ?? new HealthState();
  const keys = new ApiKeys(opts.apiKeys);
  const ctx: ApiContext = {
    engine: opts.engine,
    log: opts.log,
    startedAt: unixSeconds(),
    limits: opts.limits ?? requestLimitsFromEnv(),
    completionTemplates: opts.completionTemplates ?? new Map(),
  };
  const hono = new Hono();

  hono.onError((err, c) => {
    if (err instanceof ApiError) {
      if (err.logged) opts.log(`OpenAI API: refused ${c.req.method} ${new URL(c.req.url).pathname}: ${err.message}`);
      return err.response();
    }
    opts.log(`OpenAI API internal error: ${err.stack ?? err}`);
    return ApiError.server(`internal error: ${err.message}`).response();
  });
  hono.notFound((c) => ApiError.notFound(`Unknown request URL: ${c.req.method} ${new URL(c.req.url).pathname}`).response());

  hono.use('*', async (c, next) => {
    const route = routeLabel(new URL(c.req.url).pathname);
    const started = performance.now();
    metrics.httpInFlight.inc({ route });
    try {
      await next();
    } finally {
      metrics.httpInFlight.dec({ route });
      metrics.httpDuration.observe({ route }, (performance.now() - started) / 1000);
      metrics.httpRequests.inc({ route, status: String(c.res.status) });
    }
  });

  // before the key check: a preflight carries no Authorization header
  hono.use('*', corsMiddleware(opts.corsOrigins ?? []));

  hono.use('*', async (c, next) => {
    if (NO_AUTH.has(new URL(c.req.url).pathname)) return next();
    const refused = keys.check(c.req.header('authorization'));
    if (refused) throw ApiError.unauthorized(refused);
    return next();
  });

  hono.get('/health', (c) => (health.loading ? ApiError.loading().response() : c.json({ status: 'ok' })));
  hono.get('/.well-known/spin/health', (c) => c.text('OK'));
  hono.get('/metrics', async () => new Response(await metrics.text(), { headers: { 'content-type': metrics.contentType } }));
  hono.get('/v1/models', () => listModels(ctx));
  hono.get('/v1/models/*', (c) => {
    const raw = new URL(c.req.url).pathname.slice('/v1/models/'.length);
    let id: string;
    try {
      id = decodeURIComponent(raw);
    } catch {
      throw ApiError.modelNotFound(raw);
    }
    return getModel(ctx, id);
  });
  hono.post('/v1/chat/completions', (c) => chatCompletions(c.req.raw, ctx));
  hono.post('/v1/completions', (c) => completions(c.req.raw, ctx));
  hono.post('/v1/embeddings', (c) => embeddings(c.req.raw, ctx));
  hono.post('/v1/responses', (c) => responses(c.req.raw, ctx));
  hono.post('/infer', (c) => spinInfer(c.req.raw, ctx));
  hono.post('/embed', (c) => spinEmbed(c.req.raw, ctx));
  hono.post('/tokenize', (c) => tokenize(c.req.raw, ctx));
  hono.post('/detokenize', (c) => detokenize(c.req.raw, ctx));
  return { hono, metrics, health };
}

export interface OpenAiServer {
  /** http://host:port */
  origin: string;
  metrics: ServingMetrics;
  health: HealthState;
  close(): Promise<void>;
}

/** Start the API on `host:port`; warns when it is open (no key) beyond the loopback interface. */
export async function startOpenAiServer(opts: OpenAiAppOptions & { host: string; port: number }): Promise<OpenAiServer> {
  const { hono, metrics, health } = createOpenAiApp(opts);
  let server: ServerType;
  let origin: string;
  try {
    ({ server, origin } = await listen(hono, opts.host, opts.port));
  } catch (err) {
    throw new Error(`cannot listen on ${opts.host}:${opts.port} for the OpenAI-compatible API: ${(err as Error).message}`);
  }
  if (opts.apiKeys.length === 0 && !isLoopbackHost(opts.host)) {
    opts.log(
      `warning: the OpenAI-compatible API on ${origin} accepts requests without an API key from beyond this machine; set --api-key, SPIN_TS_API_KEYS or [openai] api_keys`,
    );
  }
  if (opts.corsOrigins?.includes('*')) {
    opts.log(
      `warning: --cors-origin '*': any web page a browser opens may call the OpenAI-compatible API on ${origin}${opts.apiKeys.length === 0 ? ' (and no API key is set)' : ''}`,
    );
  }
  return {
    origin,
    metrics,
    health,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // streams still open would hold close() forever
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}
