/**
 * llama-server's GET /props and GET /slots, for the front ends and tools that read them (field
 * names as llama.cpp's tools/server documents them). One server here may serve several models:
 * `?model=<id>` picks one, else the only (or first) completion model answers. What spin-ts does
 * not know before a model loads is reported as llama-server reports an unset value (n_ctx 0
 * when no context size is configured: the model's own is used when it loads; chat_template "":
 * the GGUF's is read at load). /slots lists the model's slots; which are busy follows the running
 * count the engine reports (/metrics' spin_ts_llm_requests_running).
 */
import type { ModelInfo } from '../llm/engine.js';
import type { ServingMetrics } from '../observability/metrics.js';
import type { ApiContext } from './context.js';
import { ApiError } from './errors.js';
import { capFor } from './max-tokens.js';

export interface ServerFacts {
  /** Slots per model (--llm-slots, -np). */
  slots?: number | undefined;
  /** The configured context size of a model (the model table's context_size, -c). */
  contextSize?: ((model: string) => number | undefined) | undefined;
  /** The model's file, where known before it loads. */
  modelPath?: ((model: string) => string | undefined) | undefined;
  /** A fixed sampling seed (--llm-seed); llama-server reports -1 (0xFFFFFFFF) for random. */
  seed?: number | undefined;
  version?: string | undefined;
}

async function pickModel(ctx: ApiContext, req: Request): Promise<ModelInfo> {
  const wanted = new URL(req.url).searchParams.get('model');
  const models = await (await ctx.engine()).listModels();
  if (wanted !== null) {
    const found = models.find((m) => m.id === wanted);
    if (!found) throw ApiError.modelNotFound(wanted);
    return found;
  }
  const m = models.find((x) => x.kind === 'completion') ?? models[0];
  if (!m) throw ApiError.notFound('no models are served: add [llm_models.<name>] entries, or give -m <file.gguf>', 'no_models');
  return m;
}

function generationSettings(ctx: ApiContext, facts: ServerFacts, model: string, id: number) {
  return {
    id,
    id_task: -1,
    n_ctx: facts.contextSize?.(model) ?? 0,
    model,
    params: {
      n_predict: capFor(ctx.tokenCaps, model) ?? -1,
      seed: facts.seed ?? 4294967295,
      temperature: 1,
      top_k: 0,
      top_p: 1,
      min_p: 0,
      repeat_penalty: 1,
      repeat_last_n: 64,
      presence_penalty: 0,
      frequency_penalty: 0,
    },
  };
}

export async function llamaProps(ctx: ApiContext, facts: ServerFacts, req: Request): Promise<Response> {
  const m = await pickModel(ctx, req);
  return Response.json({
    default_generation_settings: generationSettings(ctx, facts, m.id, 0),
    total_slots: facts.slots ?? 1,
    model_alias: m.id,
    model_path: facts.modelPath?.(m.id) ?? '',
    chat_template: '',
    modalities: { vision: false, audio: false },
    build_info: `spin-ts ${facts.version ?? ''}`.trim(),
    is_sleeping: false,
  });
}

export async function llamaSlots(ctx: ApiContext, metrics: ServingMetrics, facts: ServerFacts, req: Request): Promise<Response> {
  const m = await pickModel(ctx, req);
  const slots = facts.slots ?? 1;
  const running = metrics.modelLoad()[m.id]?.running ?? 0;
  return Response.json(
    Array.from({ length: slots }, (_, i) => ({ ...generationSettings(ctx, facts, m.id, i), is_processing: i < running, next_token: { n_decoded: 0 } })),
  );
}
