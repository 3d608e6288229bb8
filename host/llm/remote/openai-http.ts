/**
 * An OpenAI-compatible server as the LLM backend (`[llm_compute] type = "remote_http"`,
 * api_type "open_ai"; docs/spec.md §3): `infer` is a chat completion with the prompt as one user message
 * (as Spin does), `chat` sends the messages as they are, `embed` uses /v1/embeddings, the model
 * list is the remote's /v1/models. Sent: max_completion_tokens, temperature (clamped to OpenAI's
 * 0–2; ≤ 0 stays greedy), top_p, and seed, stop, frequency/presence penalties when set. top_k
 * and the repeat penalty have no OpenAI field and are not sent. An error body
 * `{"error":{"message"}}` becomes runtime-error naming the remote and carrying the message.
 * Answers are not streamed (onText gets the whole text at the end).
 */
import {
  LlmError,
  type ChatMessage,
  type ChatParams,
  type EmbedResult,
  type InferOptions,
  type InferParams,
  type InferResult,
  type LlmEngine,
  type ModelInfo,
} from '../engine.js';
import { BadBody, count, obj, RemoteHttp, str, type RemoteOptions } from './http.js';

function requestBody(model: string, messages: ChatMessage[], params: ChatParams): Record<string, unknown> {
  return {
    model,
    messages,
    ...(params.maxTokens !== undefined ? { max_completion_tokens: params.maxTokens } : {}),
    temperature: Math.min(2, Math.max(0, params.temperature)),
    top_p: params.topP,
    ...(params.seed !== undefined ? { seed: params.seed } : {}),
    ...(params.stop !== undefined && params.stop.length > 0 ? { stop: params.stop.slice(0, 4) } : {}),
    ...(params.frequencyPenalty ? { frequency_penalty: params.frequencyPenalty } : {}),
    ...(params.presencePenalty ? { presence_penalty: params.presencePenalty } : {}),
  };
}

export class OpenAiHttpEngine implements LlmEngine {
  private readonly http: RemoteHttp;

  constructor(opts: RemoteOptions) {
    this.http = new RemoteHttp(opts, 'Bearer');
  }

  get origin(): string {
    return this.http.origin;
  }

  infer(model: string, prompt: string, params: InferParams, options: InferOptions = {}): Promise<InferResult> {
    return this.chat(model, [{ role: 'user', content: prompt }], params, options);
  }

  async chat(model: string, messages: ChatMessage[], params: ChatParams, options: InferOptions = {}): Promise<InferResult> {
    const r = await this.http.call('POST', '/v1/chat/completions', requestBody(model, messages, params), options.signal, (json) => {
      const o = obj(json, 'the body');
      if (!Array.isArray(o.choices) || o.choices.length === 0) throw new BadBody('"choices" is not a non-empty list');
      const choice = obj(o.choices[0], '"choices[0]"');
      const message = obj(choice.message, '"choices[0].message"');
      const content = message.content === null ? '' : str(message.content, '"choices[0].message.content"');
      const usage = obj(o.usage, '"usage"');
      return {
        text: content,
        promptTokens: count(usage.prompt_tokens, '"usage.prompt_tokens"'),
        generatedTokens: count(usage.completion_tokens, '"usage.completion_tokens"'),
        finishReason: choice.finish_reason === 'length' ? ('length' as const) : ('stop' as const),
      };
    });
    if (r.text.length > 0) options.onText?.(r.text);
    return r;
  }

  async embed(model: string, inputs: string[], options: { signal?: AbortSignal } = {}): Promise<EmbedResult> {
    if (!Array.isArray(inputs) || inputs.some((s) => typeof s !== 'string')) throw new LlmError('invalid-input', 'the input must be a list of strings');
    if (inputs.length === 0) return { embeddings: [], promptTokens: 0 };
    const r = await this.http.call('POST', '/v1/embeddings', { model, input: inputs, encoding_format: 'float' }, options.signal, (json) => {
      const o = obj(json, 'the body');
      if (!Array.isArray(o.data)) throw new BadBody('"data" is not a list');
      const rows = o.data.map((d, i) => {
        const row = obj(d, `"data[${i}]"`);
        const e = row.embedding;
        if (!Array.isArray(e) || e.some((x) => typeof x !== 'number' || !Number.isFinite(x)))
          throw new BadBody(`"data[${i}].embedding" is not a list of numbers`);
        return { index: typeof row.index === 'number' ? row.index : i, embedding: e as number[] };
      });
      rows.sort((a, b) => a.index - b.index);
      const usage = obj(o.usage, '"usage"');
      return { embeddings: rows.map((r) => r.embedding), promptTokens: count(usage.prompt_tokens, '"usage.prompt_tokens"') };
    });
    if (r.embeddings.length !== inputs.length) {
      throw new LlmError(
        'runtime-error',
        `remote LLM at ${this.origin} (POST /v1/embeddings) returned ${r.embeddings.length} embeddings for ${inputs.length} inputs`,
      );
    }
    return r;
  }

  async listModels(): Promise<ModelInfo[]> {
    return this.http.call('GET', '/v1/models', undefined, undefined, (json) => {
      const o = obj(json, 'the body');
      if (!Array.isArray(o.data)) throw new BadBody('"data" is not a list');
      return o.data.map((d, i) => ({ id: str(obj(d, `"data[${i}]"`).id, `"data[${i}].id"`), kind: 'completion' as const, source: this.origin, loaded: true }));
    });
  }

  async close(): Promise<void> {
    this.http.abortAll();
  }
}
