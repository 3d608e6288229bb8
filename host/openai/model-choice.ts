/**
 * Which model answers a request. A request naming a served model gets it. When exactly one model
 * is served (and it is of the kind the request needs), a request that names none, or a name
 * this server does not serve, is answered by it — as TGI and llama-server answer with their
 * loaded model whatever the request calls it (the Hugging Face client sends its repo id, or
 * "tgi"). With several models the name stays as given and the usual 404 (or the 400 for a
 * missing model) follows: guessing among several would answer with the wrong one.
 */
import type { ModelInfo } from '../llm/engine.js';
import type { ApiContext } from './context.js';

export async function chooseModel(ctx: ApiContext, requested: unknown, kind: ModelInfo['kind']): Promise<unknown> {
  let models: ModelInfo[];
  try {
    models = await (await ctx.engine()).listModels();
  } catch {
    return requested; // the handler's own call reports it
  }
  if (typeof requested === 'string' && models.some((m) => m.id === requested)) return requested;
  return models.length === 1 && models[0]!.kind === kind ? models[0]!.id : requested;
}
