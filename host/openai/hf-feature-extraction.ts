/**
 * Hugging Face's feature-extraction task, as its Inference API and TEI take it: `{"inputs": a
 * string or a list of strings}` on POST /pipeline/feature-extraction/<model> (the older router
 * form), /models/<model>/pipeline/feature-extraction (the newer one) and /models/<model> for an
 * embedding model (an endpoint URL given to the client), and POST / when one embedding model is
 * served (an endpoint URL that is the server itself, as TEI takes it). A string gets one vector (a list of
 * numbers), a list one vector per input, as the HF client expects. `options` (wait_for_model,
 * use_cache) and `parameters` change nothing here; vectors are always L2-normalised.
 */
import type { RouteHints } from './body.js';
import type { ApiContext } from './context.js';
import { ApiError, fromEngineError } from './errors.js';
import { checkEmbeddingInputs } from './limits.js';
import { chooseModel } from './model-choice.js';
import { describeValue, readJsonObject } from './request.js';

const KNOWN = new Set(['inputs', 'options', 'parameters', 'normalize', 'truncate', 'truncation_direction', 'prompt_name']);

/** POST / (an endpoint URL that is the server itself, as TEI serves it): the one embedding model. */
async function soleEmbeddingModel(ctx: ApiContext): Promise<string> {
  const embedding = (await (await ctx.engine()).listModels()).filter((m) => m.kind === 'embedding');
  if (embedding.length !== 1)
    throw ApiError.badRequest(
      `POST / needs exactly one embedding model to be served (there are ${embedding.length}); post to /models/<id>/pipeline/feature-extraction`,
      'model',
      'invalid_value',
    );
  return embedding[0]!.id;
}

export async function featureExtraction(req: Request, ctx: ApiContext, hints: RouteHints): Promise<Response> {
  const body = await readJsonObject(req);
  for (const key of Object.keys(body)) {
    if (!KNOWN.has(key)) throw ApiError.badRequest(`Unrecognized request argument supplied: ${key}`, key, 'unknown_parameter');
  }
  if (body.normalize === false)
    throw ApiError.badRequest("'normalize': false cannot be honoured: vectors are always L2-normalised", 'normalize', 'unsupported_value');
  const inputs = body.inputs;
  const single = typeof inputs === 'string';
  if (!single && !(Array.isArray(inputs) && inputs.length > 0 && inputs.every((s) => typeof s === 'string'))) {
    throw ApiError.badRequest(`'inputs': expected a string or a non-empty list of strings, got ${describeValue(inputs)}`, 'inputs', 'invalid_value');
  }
  const list = single ? [inputs] : (inputs as string[]);
  checkEmbeddingInputs(list, ctx.limits);
  const model = hints.model === undefined ? await soleEmbeddingModel(ctx) : await chooseModel(ctx, hints.model, 'embedding');
  if (typeof model !== 'string') throw ApiError.modelNotFound(String(hints.model));
  let r;
  try {
    r = await (await ctx.engine()).embed(model, list, { signal: req.signal });
  } catch (err) {
    throw fromEngineError(err, model, req.signal);
  }
  return Response.json(single ? r.embeddings[0] : r.embeddings);
}
