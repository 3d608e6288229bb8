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
 *   GET  /props, /slots             llama-server's (llama-props.ts)
 *   /api/…                          Ollama's subset (ollama/routes.ts)
 * The OpenAI routes also answer without /v1 (/chat/completions, …) and under
 * /models/<id>/v1/… (the model from the URL), as llama-server and Hugging Face serve them;
 * POST /pipeline/feature-extraction/<id> and /models/<id>/pipeline/feature-extraction take HF's
 * {"inputs"} shape. With `apiPrefix` every route is under it (e.g. /api/v1/ai/chat/completions).
 * Every 4xx/5xx body is {"error":{"message","type","param","code"}} (Ollama's routes: {"error"}).
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
import type { RouteHints } from './body.js';
import { featureExtraction } from './hf-feature-extraction.js';
import { llamaProps, llamaSlots, type ServerFacts } from './llama-props.js';
import type { TokenCaps } from './max-tokens.js';
import { ollamaRoutes, type OllamaPull } from './ollama/routes.js';

/** 503 on /health while any tracked load is pending. */
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
  /** Caps on generated tokens (-n/--n-predict, the model table's max_tokens); default none. */
  tokenCaps?: TokenCaps;
  /** Mount every route under this path (--api-prefix), e.g. /api/v1/ai; default the root. */
  apiPrefix?: string;
  /** What /props and /slots report about the server (llama-props.ts). */
  facts?: ServerFacts;
  /** Ollama's /api/pull: fetch a model-table model's source; absent: pull answers 501. */
  pull?: OllamaPull;
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
  '/props',
  '/slots',
  '/api/tags',
  '/api/ps',
  '/api/chat',
  '/api/generate',
  '/api/embed',
  '/api/embeddings',
  '/api/show',
  '/api/pull',
  '/api/version',
]);

/** The OpenAI routes, also served without /v1 and under /models/<id>/v1/. */
const OPENAI_POSTS = ['chat/completions', 'completions', 'embeddings', 'responses'] as const;

function routeLabel(path: string): string {
  if (path.startsWith('/v1/models/')) return '/v1/models/{id}';
  if (path.startsWith('/models/') && path.includes('/v1/')) return `/models/{id}/v1/${path.slice(path.indexOf('/v1/') + 4)}`;
  if (path.startsWith('/models/') || path.startsWith('/pipeline/feature-extraction/')) return '/models/{id}';
  if (ROUTES.has(`/v1${path}`)) return `/v1${path}`;
  return ROUTES.has(path) ? path : 'other';
}

/** `--api-prefix`: "" for none, else "/a/b" (one leading slash, no trailing one). */
export function normalizeApiPrefix(prefix: string | undefined): string {
  const p = (prefix ?? '').trim().replace(/\/+$/, '');
  if (p === '') return '';
  if (!/^\/?[A-Za-z0-9._~\-/]+$/.test(p) || p.includes('//')) throw new Error(`--api-prefix: '${prefix}' is not a URL path such as /api/v1/ai`);
  return p.startsWith('/') ? p : `/${p}`;
}

function decodeId(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw ApiError.modelNotFound(raw);
  }
}

export function createOpenAiApp(opts: OpenAiAppOptions): { hono: Hono; metrics: ServingMetrics; health: HealthState; prefix: string } {
  const metrics = opts.metrics ?? new ServingMetrics();
  const health = opts.health ?? new HealthState();
  const keys = new ApiKeys(opts.apiKeys);
  const ctx: ApiContext = {
    engine: opts.engine,
    log: opts.log,
    startedAt: unixSeconds(),
    limits: opts.limits ?? requestLimitsFromEnv(),
    completionTemplates: opts.completionTemplates ?? new Map(),
    tokenCaps: opts.tokenCaps ?? { byModel: new Map() },
  };
  const prefix = normalizeApiPrefix(opts.apiPrefix);
  const hono: Hono = prefix === '' ? new Hono() : (new Hono().basePath(prefix) as unknown as Hono);
  /** A request's path below the prefix. */
  const pathOf = (url: string): string => new URL(url).pathname.slice(prefix.length) || '/';

  // A server-side failure (a model that cannot be downloaded, verified or found in its folder)
  // is the operator's to fix: the log says it once, whatever number of requests hit it.
  const reported = new Set<string>();
  hono.onError((err, c) => {
    if (err instanceof ApiError) {
      if (err.logged) opts.log(`OpenAI API: refused ${c.req.method} ${new URL(c.req.url).pathname}: ${err.message}`);
      if (err.status === 500 && err.code === 'server_error') {
        // sizes and counts change between tries; the failure is the same
        const key = err.message.replace(/\d+(\.\d+)? MiB/g, '');
        if (!reported.has(key)) {
          reported.add(key);
          opts.log(`OpenAI API: ${c.req.method} ${new URL(c.req.url).pathname} failed (logged once): ${err.message}`);
        }
      }
      if (pathOf(c.req.url).startsWith('/api/')) return c.json({ error: err.message }, err.status as 400);
      return err.response();
    }
    opts.log(`OpenAI API internal error: ${err.stack ?? err}`);
    return ApiError.server(`internal error: ${err.message}`).response();
  });
  hono.notFound((c) => ApiError.notFound(`Unknown request URL: ${c.req.method} ${new URL(c.req.url).pathname}`).response());

  hono.use('*', async (c, next) => {
    const route = routeLabel(pathOf(c.req.url));
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
    if (NO_AUTH.has(pathOf(c.req.url))) return next();
    const refused = keys.check(c.req.header('authorization'));
    if (refused) throw ApiError.unauthorized(refused);
    return next();
  });

  hono.get('/health', (c) => (health.loading ? ApiError.loading().response() : c.json({ status: 'ok' })));
  hono.get('/.well-known/spin/health', (c) => c.text('OK'));
  hono.get('/metrics', async () => new Response(await metrics.text(), { headers: { 'content-type': metrics.contentType } }));
  const handlers: Record<(typeof OPENAI_POSTS)[number], (req: Request, ctx: ApiContext, hints: RouteHints) => Promise<Response>> = {
    'chat/completions': chatCompletions,
    completions,
    embeddings,
    responses,
  };
  for (const base of ['/v1', '']) {
    hono.get(`${base}/models`, () => listModels(ctx));
    for (const route of OPENAI_POSTS) hono.post(`${base}/${route}`, (c) => handlers[route](c.req.raw, ctx, {}));
  }
  hono.get('/v1/models/*', (c) => getModel(ctx, decodeId(pathOf(c.req.url).slice('/v1/models/'.length))));
  hono.get('/models/*', (c) => getModel(ctx, decodeId(pathOf(c.req.url).slice('/models/'.length))));
  // /models/<id>/v1/<route> (Hugging Face's per-model URLs; ids hold slashes), /models/<id>/pipeline/feature-extraction, /models/<id>
  hono.post('/models/*', (c) => {
    const rest = pathOf(c.req.url).slice('/models/'.length);
    const at = rest.lastIndexOf('/v1/');
    if (at > 0) {
      const route = rest.slice(at + 4) as (typeof OPENAI_POSTS)[number];
      if (!OPENAI_POSTS.includes(route)) throw ApiError.notFound(`Unknown request URL: POST ${new URL(c.req.url).pathname}`);
      return handlers[route](c.req.raw, ctx, { model: decodeId(rest.slice(0, at)) });
    }
    const id = rest.endsWith('/pipeline/feature-extraction') ? rest.slice(0, -'/pipeline/feature-extraction'.length) : rest;
    return featureExtraction(c.req.raw, ctx, { model: decodeId(id) });
  });
  hono.post('/', (c) => featureExtraction(c.req.raw, ctx, {}));
  hono.post('/pipeline/feature-extraction/*', (c) =>
    featureExtraction(c.req.raw, ctx, { model: decodeId(pathOf(c.req.url).slice('/pipeline/feature-extraction/'.length)) }),
  );
  hono.post('/infer', (c) => spinInfer(c.req.raw, ctx));
  hono.post('/embed', (c) => spinEmbed(c.req.raw, ctx));
  hono.post('/tokenize', (c) => tokenize(c.req.raw, ctx));
  hono.post('/detokenize', (c) => detokenize(c.req.raw, ctx));
  hono.get('/props', (c) => llamaProps(ctx, opts.facts ?? {}, c.req.raw));
  hono.get('/slots', (c) => llamaSlots(ctx, metrics, opts.facts ?? {}, c.req.raw));
  ollamaRoutes(hono, ctx, opts.pull, opts.facts?.modelPath);
  return { hono, metrics, health, prefix };
}

export interface OpenAiServer {
  /** http://host:port */
  origin: string;
  /** The origin and --api-prefix: where the routes are (append /v1 for OpenAI clients). */
  base: string;
  metrics: ServingMetrics;
  health: HealthState;
  close(): Promise<void>;
}

/** Start the API on `host:port`; warns when it is open (no key) beyond the loopback interface. */
export async function startOpenAiServer(opts: OpenAiAppOptions & { host: string; port: number }): Promise<OpenAiServer> {
  const { hono, metrics, health, prefix } = createOpenAiApp(opts);
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
    base: `${origin}${prefix}`,
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
