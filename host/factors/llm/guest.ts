/**
 * Guest side of fermyon:spin/llm (both the unversioned and the @2.0.0 interface, which
 * are identical): the allow-list, parameter defaults and checks (host/llm/params.ts, the
 * one validator), and error mapping. The engine behind the bridge never sees a call the
 * component was not allowed to make.
 */
import type { BridgeError } from '../../components/bridge.js';
import { DEFAULT_INFER_PARAMS, LlmError, type InferParams } from '../../llm/engine.js';
import { checkInferParams, spinDefaultedFields } from '../../llm/params.js';
import { DEFAULT_MAX_PROMPT_CHARS, promptTooLongMessage } from '../../llm/prompt-limit.js';
import type { GuestImportsFactory } from '../factor.js';
import { GuestResultError } from '../guest-error.js';
import { typedService } from '../service.js';
import type { LlmGuestConfig, LlmService } from './api.js';

type LlmErrorVariant = { tag: 'model-not-supported' } | { tag: 'runtime-error'; val: string } | { tag: 'invalid-input'; val: string };

/** As jco hands a WIT `inferencing-params` record to the host: Spin's six parameters. */
export type GuestInferParams = Pick<InferParams, 'maxTokens' | 'repeatPenalty' | 'repeatPenaltyLastNTokenCount' | 'temperature' | 'topK' | 'topP'>;

export function denialMessage(model: string): string {
  return `The component does not have access to use '${model}'. To give the component access, add '${model}' to the 'ai_models' key for the component in your spin.toml manifest`;
}

function toVariant(err: unknown): LlmErrorVariant {
  const e = err as BridgeError;
  const kind = e?.data?.kind;
  if (kind === 'model-not-supported') return { tag: 'model-not-supported' };
  if (kind === 'invalid-input') return { tag: 'invalid-input', val: e.message };
  return { tag: 'runtime-error', val: e?.message ?? String(err) };
}

export const createGuestImports: GuestImportsFactory = (ctx) => {
  const config = ctx.config as LlmGuestConfig | undefined;
  const allowed = new Set(config?.aiModels ?? []);
  const maxPromptChars = config?.maxPromptChars ?? DEFAULT_MAX_PROMPT_CHARS;
  const service = typedService<LlmService>(ctx);
  const guard = (model: string) => {
    if (!allowed.has(model)) throw new GuestResultError({ tag: 'invalid-input', val: denialMessage(model) });
  };
  const llm = {
    infer(model: string, prompt: string, params: GuestInferParams | undefined) {
      guard(model);
      // refused here, in the worker: a longer prompt never crosses the bridge or reaches the tokenizer
      if (prompt.length > maxPromptChars) {
        const message = promptTooLongMessage('the prompt', prompt.length, maxPromptChars);
        ctx.log(`llm: refused infer with model '${model}': ${message}`);
        throw new GuestResultError({ tag: 'invalid-input', val: message });
      }
      // fields left at Spin's defaults may take the model table's defaults (host/llm/params.ts)
      const checked: InferParams = { ...(params ?? DEFAULT_INFER_PARAMS), defaulted: spinDefaultedFields(params) };
      try {
        checkInferParams(checked);
      } catch (err) {
        if (err instanceof LlmError) throw new GuestResultError({ tag: 'invalid-input', val: err.message });
        throw err;
      }
      try {
        return service.infer(model, prompt, checked);
      } catch (err) {
        throw new GuestResultError(toVariant(err));
      }
    },
    generateEmbeddings(model: string, text: string[]) {
      guard(model);
      // the inputs are tokenized together on the engine's thread: the prompt bound holds for their sum
      const chars = text.reduce((n, s) => n + s.length, 0);
      if (chars > maxPromptChars) {
        const message = promptTooLongMessage('the embedding input', chars, maxPromptChars);
        ctx.log(`llm: refused generate-embeddings with model '${model}': ${message}`);
        throw new GuestResultError({ tag: 'invalid-input', val: message });
      }
      let result: ReturnType<LlmService['embed']>;
      try {
        result = service.embed(model, text);
      } catch (err) {
        throw new GuestResultError(toVariant(err));
      }
      // jco lowers list<f32> from Float32Array only (a plain array becomes garbage).
      return { embeddings: result.embeddings.map((v) => Float32Array.from(v)), usage: result.usage };
    },
  };
  return { imports: { 'fermyon:spin/llm': llm } };
};
