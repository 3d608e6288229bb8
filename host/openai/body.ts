/**
 * A generation or embedding request's body as the handlers read it: parsed (request.ts), the
 * camelCase aliases renamed and unknown fields refused (known-fields.ts), and the model chosen
 * (model-choice.ts; a model in the URL, /models/<id>/v1/…, stands in for a body without one).
 */
import type { ApiContext } from './context.js';
import type { ApiError } from './errors.js';
import { normalizeFields, type BodyEndpoint } from './known-fields.js';
import { chooseModel } from './model-choice.js';
import { readJsonObject, type JsonObject } from './request.js';

/** Where a request came from beyond its body: the model named in its URL. */
export interface RouteHints {
  model?: string | undefined;
}

export async function readApiBody(
  req: Request,
  ctx: ApiContext,
  endpoint: BodyEndpoint,
  hints: RouteHints = {},
  limit?: { bytes: number; tooLarge: (bytes: number, limit: number) => ApiError },
): Promise<JsonObject> {
  const raw = limit ? await readJsonObject(req, limit.bytes, limit.tooLarge) : await readJsonObject(req);
  const body = normalizeFields(raw, endpoint);
  const model = await chooseModel(ctx, [body.model, hints.model], endpoint === 'embeddings' ? 'embedding' : 'completion');
  if (model !== undefined) body.model = model;
  return body;
}
