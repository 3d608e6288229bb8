/**
 * The llm factor: owns the component key `ai_models` and the runtime-config sections
 * `[llm_compute]` and `[llm_models]`; each component's allow-list goes to its guest side;
 * the service turns bridge calls into engine calls (local llama.cpp or a remote backend —
 * the factor does not know which).
 */
import type { App } from '../../app/types.js';
import { LlmError, type LlmEngine } from '../../llm/engine.js';
import { maxPromptCharsFromEnv } from '../../llm/prompt-limit.js';
import { llmRuntimeConfig } from '../../llm/runtime-config.js';
import { componentData, type Factor, type ServiceImpl } from '../factor.js';
import type { LlmGuestConfig, LlmService } from './api.js';

/** Every model some component of the app may use (for --preload-models). */
export function appModels(app: App): string[] {
  return [...new Set([...app.components.keys()].flatMap((id) => componentData<LlmGuestConfig>(app, id, 'llm')?.aiModels ?? []))];
}

/** The engine found no file for the model, or cannot read the one it was given. */
function isMissingModel(err: unknown): boolean {
  if (!(err instanceof LlmError)) return false;
  return (
    err.kind === 'model-not-supported' ||
    /cannot read model file|no such file|ENOENT|sha256 mismatch|cannot download model|holds \d+ \.gguf files/i.test(err.message)
  );
}

/** What the operator does about a model found nowhere (the other failures' messages carry their own fix). */
function fixOf(err: unknown, model: string): string {
  if (!(err instanceof LlmError) || err.kind !== 'model-not-supported') return '';
  return `. Fix: put its .gguf file in <state dir>/ai-models/llama/${model}/ (--state-dir; default .spin beside spin.toml), or add [llm_models.${model}] with path or source to the runtime config (--runtime-config-file)`;
}

export function llmFactor(getEngine: () => Promise<LlmEngine>): Factor {
  return {
    name: 'llm',
    manifest: {
      keys: ['ai_models'],
      read: (r, t, field): LlmGuestConfig => ({ aiModels: r.stringList(t, 'ai_models', field) }),
    },
    runtimeConfig: { sections: llmRuntimeConfig.sections, read: llmRuntimeConfig.read },
    guestModule: new URL('./guest.js', import.meta.url).href,
    interfaces: ['fermyon:spin/llm', 'fermyon:spin/llm@2.0.0'],
    async configure(ctx) {
      // the bound the OpenAI API uses too: a guest's prompt costs the same to tokenize
      const maxPromptChars = maxPromptCharsFromEnv();
      // A model the engine cannot find or load is the operator's to fix: say so on the host,
      // once per model (the guest gets the error on every call).
      const reported = new Set<string>();
      const reportMissing = (componentId: string, model: string, err: unknown): never => {
        if (isMissingModel(err) && !reported.has(model)) {
          reported.add(model);
          ctx.log(`llm: component '${componentId}' asked for model '${model}', which cannot be used: ${(err as Error).message}${fixOf(err, model)}`);
        }
        throw err;
      };
      const service: ServiceImpl<LlmService> = {
        async infer(call, model, prompt, params) {
          const r = await (await getEngine()).infer(model, prompt, params, { signal: call.signal }).catch((e) => reportMissing(call.componentId, model, e));
          return { text: r.text, usage: { promptTokenCount: r.promptTokens, generatedTokenCount: r.generatedTokens } };
        },
        async embed(call, model, inputs) {
          const r = await (await getEngine()).embed(model, inputs, { signal: call.signal }).catch((e) => reportMissing(call.componentId, model, e));
          return { embeddings: r.embeddings, usage: { promptTokenCount: r.promptTokens } };
        },
      };
      return {
        componentConfig: (id): LlmGuestConfig => ({ aiModels: componentData<LlmGuestConfig>(ctx.app, id, 'llm')?.aiModels ?? [], maxPromptChars }),
        service,
      };
    },
  };
}
