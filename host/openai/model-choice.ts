/**
 * Which model answers a request. A request naming a served model gets it. When exactly one model
 * is served (and it is of the kind the request needs), a request that names none, or a name
 * this server does not serve, is answered by it — as TGI and llama-server answer with their
 * loaded model whatever the request calls it (the Hugging Face client sends its repo id, or
 * "tgi"). With several models the name stays as given and the usual 404 (or the 400 for a
 * missing model) follows: guessing among several would answer with the wrong one.
 * `names` are tried in order (the body's model, then the URL's): the first served one wins.
 */
import type { ModelInfo } from '../llm/engine.js';
import type { ApiContext } from './context.js';

export async function chooseModel(ctx: ApiContext, names: unknown, kind: ModelInfo['kind']): Promise<unknown> {
  const candidates = (Array.isArray(names) ? names : [names]).filter((n) => n !== undefined && n !== null);
  const requested = candidates[0];
  let models: ModelInfo[];
  try {
    models = await (await ctx.engine()).listModels();
  } catch {
    return requested; // the handler's own call reports it
  }
  const served = candidates.find((n) => typeof n === 'string' && models.some((m) => m.id === n));
  if (served !== undefined) return served;
  return models.length === 1 && models[0]!.kind === kind ? models[0]!.id : requested;
}
