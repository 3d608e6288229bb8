/**
 * Spin's remote LLM protocol (`[llm_compute] type = "remote_http"`, api_type "default"; docs/spec.md §3),
 * consumed: inference and embeddings go to `{origin}/infer` and `{origin}/embed` with
 * `authorization: bearer <auth_token>`. The protocol carries Spin's six params only (seed, stop
 * and the OpenAI penalties are not sent), returns no finish reason (inferred from the counts) and
 * does not stream (onText gets the whole text at the end). It has no model list.
 */
import { LlmError, type EmbedResult, type InferOptions, type InferParams, type InferResult, type LlmEngine, type ModelInfo } from '../engine.js';
import { count, obj, RemoteHttp, str, vectors, type RemoteOptions } from './http.js';

export class SpinHttpEngine implements LlmEngine {
  private readonly http: RemoteHttp;

  constructor(opts: RemoteOptions) {
    this.http = new RemoteHttp(opts, 'bearer');
  }

  get origin(): string {
    return this.http.origin;
  }

  async infer(model: string, prompt: string, params: InferParams, options: InferOptions = {}): Promise<InferResult> {
    const body = {
      model,
      prompt,
      options: {
        maxTokens: params.maxTokens,
        repeatPenalty: params.repeatPenalty,
        repeatPenaltyLastNTokenCount: params.repeatPenaltyLastNTokenCount,
        temperature: params.temperature,
        topK: params.topK,
        topP: params.topP,
      },
    };
    const r = await this.http.call('POST', '/infer', body, options.signal, (json) => {
      const o = obj(json, 'the body');
      const usage = obj(o.usage, '"usage"');
      return {
        text: str(o.text, '"text"'),
        promptTokens: count(usage.promptTokenCount, '"usage.promptTokenCount"'),
        generatedTokens: count(usage.generatedTokenCount, '"usage.generatedTokenCount"'),
      };
    });
    if (r.text.length > 0) options.onText?.(r.text);
    return { ...r, finishReason: r.generatedTokens >= params.maxTokens ? 'length' : 'stop' };
  }

  async embed(model: string, inputs: string[], options: { signal?: AbortSignal } = {}): Promise<EmbedResult> {
    if (!Array.isArray(inputs) || inputs.some((s) => typeof s !== 'string')) throw new LlmError('invalid-input', 'the input must be a list of strings');
    const r = await this.http.call('POST', '/embed', { model, input: inputs }, options.signal, (json) => {
      const o = obj(json, 'the body');
      const usage = obj(o.usage, '"usage"');
      return { embeddings: vectors(o.embeddings, '"embeddings"'), promptTokens: count(usage.promptTokenCount, '"usage.promptTokenCount"') };
    });
    if (r.embeddings.length !== inputs.length) {
      throw new LlmError('runtime-error', `remote LLM at ${this.origin} (POST /embed) returned ${r.embeddings.length} embeddings for ${inputs.length} inputs`);
    }
    return r;
  }

  /** Spin's protocol cannot list models. */
  async listModels(): Promise<ModelInfo[]> {
    return [];
  }

  async close(): Promise<void> {
    this.http.abortAll();
  }
}
