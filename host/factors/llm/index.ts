/**
 * The llm factor: each component's `ai_models` allow-list goes to its guest side; the
 * service turns bridge calls into engine calls (local llama.cpp or a remote backend —
 * the factor does not know which).
 */
import type { LlmEngine } from '../../llm/engine.js';
import type { Factor } from '../factor.js';

export interface LlmGuestConfig {
  aiModels: string[];
}

export function llmFactor(getEngine: () => Promise<LlmEngine>): Factor {
  return {
    name: 'llm',
    guestModule: new URL('./guest.js', import.meta.url).href,
    async configure(ctx) {
      const configs = new Map<string, LlmGuestConfig>();
      for (const c of ctx.app.components.values()) configs.set(c.id, { aiModels: c.aiModels });
      return {
        componentConfig: (id) => configs.get(id),
        service: async (method, args, call) => {
          const engine = await getEngine();
          if (method === 'infer') {
            const [model, prompt, params] = args as Parameters<LlmEngine['infer']>;
            const r = await engine.infer(model, prompt, params, { signal: call.signal });
            return { text: r.text, usage: { promptTokenCount: r.promptTokens, generatedTokenCount: r.generatedTokens } };
          }
          if (method === 'embed') {
            const [model, inputs] = args as [string, string[]];
            const r = await engine.embed(model, inputs, { signal: call.signal });
            return { embeddings: r.embeddings, usage: { promptTokenCount: r.promptTokens } };
          }
          throw new Error(`llm has no method '${method}'`);
        },
      };
    },
  };
}
