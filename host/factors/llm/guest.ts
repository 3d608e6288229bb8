/**
 * Guest side of fermyon:spin/llm (both the unversioned and the @2.0.0 interface, which
 * are identical): the allow-list, parameter defaults and checks, and error mapping.
 * The engine behind the bridge never sees a call the component was not allowed to make.
 */
import type { BridgeError } from '../../components/bridge.js';
import type { GuestImportsFactory } from '../factor.js';
import { GuestResultError } from '../guest-error.js';
import { checkParams, type GuestInferParams } from './params.js';
import type { LlmGuestConfig } from './index.js';

type LlmErrorVariant = { tag: 'model-not-supported' } | { tag: 'runtime-error'; val: string } | { tag: 'invalid-input'; val: string };

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
  const allowed = new Set((ctx.config as LlmGuestConfig | undefined)?.aiModels ?? []);
  const guard = (model: string) => {
    if (!allowed.has(model)) throw new GuestResultError({ tag: 'invalid-input', val: denialMessage(model) });
  };
  const llm = {
    infer(model: string, prompt: string, params: GuestInferParams | undefined) {
      guard(model);
      const checked = checkParams(params);
      if (typeof checked === 'string') throw new GuestResultError({ tag: 'invalid-input', val: checked });
      try {
        return ctx.call('infer', model, prompt, checked);
      } catch (err) {
        throw new GuestResultError(toVariant(err));
      }
    },
    generateEmbeddings(model: string, text: string[]) {
      guard(model);
      let result: { embeddings: number[][]; usage: { promptTokenCount: number } };
      try {
        result = ctx.call('embed', model, text) as typeof result;
      } catch (err) {
        throw new GuestResultError(toVariant(err));
      }
      // jco lowers list<f32> from Float32Array only (a plain array becomes garbage).
      return { embeddings: result.embeddings.map((v) => Float32Array.from(v)), usage: result.usage };
    },
  };
  return { 'fermyon:spin/llm': llm };
};
