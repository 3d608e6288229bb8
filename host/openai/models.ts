/**
 * GET /v1/models and GET /v1/models/{id}: the models the engine can serve — the runtime config's
 * model table and the GGUF files under the state dir (docs/spec.md §2), or the remote's list.
 */
import type { ModelInfo } from '../llm/engine.js';
import type { ApiContext } from './context.js';
import { ApiError } from './errors.js';

function entry(m: ModelInfo, created: number) {
  return { id: m.id, object: 'model', created, owned_by: m.source };
}

async function list(ctx: ApiContext): Promise<ModelInfo[]> {
  const engine = await ctx.engine();
  try {
    return await engine.listModels();
  } catch (err) {
    throw ApiError.server(`cannot list models: ${(err as Error).message}`);
  }
}

export async function listModels(ctx: ApiContext): Promise<Response> {
  const models = await list(ctx);
  return Response.json({ object: 'list', data: models.map((m) => entry(m, ctx.startedAt)) });
}

export async function getModel(ctx: ApiContext, id: string): Promise<Response> {
  const found = (await list(ctx)).find((m) => m.id === id);
  if (!found) throw ApiError.modelNotFound(id);
  return Response.json(entry(found, ctx.startedAt));
}
