/** An Ollama model name as this server serves it: `name` or `name:latest` for a served model, else Ollama's 404. */
import type { ModelInfo } from '../../llm/engine.js';
import type { ApiContext } from '../context.js';
import { ApiError } from '../errors.js';
import { describeValue } from '../request.js';

export async function resolveOllamaModel(ctx: ApiContext, name: unknown, kind?: ModelInfo['kind']): Promise<string> {
  if (typeof name !== 'string' || name === '')
    throw ApiError.badRequest(
      name === undefined || name === null ? "'model' is required" : `'model': expected a model name, got ${describeValue(name)}`,
      'model',
      'missing_required_parameter',
    );
  const models = await (await ctx.engine()).listModels();
  const found = models.find((m) => m.id === name) ?? models.find((m) => `${m.id}:latest` === name);
  if (!found) throw new ApiError(404, `model "${name}" not found, try pulling it first`, 'invalid_request_error', 'model_not_found', 'model');
  if (kind && found.kind !== kind)
    throw ApiError.badRequest(`model "${name}" is ${found.kind === 'embedding' ? 'an embedding' : 'a completion'} model`, 'model', 'invalid_value');
  return found.id;
}
