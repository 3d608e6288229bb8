/**
 * The interface every LLM backend implements: the local node-llama-cpp engine,
 * and remote engines (Spin's remote_http protocol, OpenAI-compatible servers).
 * The guest-facing llm factor and the OpenAI API both call through this; neither
 * knows which backend answers.
 */

export interface InferParams {
  maxTokens: number;
  repeatPenalty: number;
  repeatPenaltyLastNTokenCount: number;
  temperature: number;
  topK: number;
  topP: number;
  /** Optional fixed seed (ours); random per call when absent. */
  seed?: number;
  /** Extra stop strings (OpenAI `stop`); end-of-generation tokens always stop. */
  stop?: string[];
  frequencyPenalty?: number;
  presencePenalty?: number;
  /** Min-p sampling (llama.cpp's `min_p`): drop tokens below minP × the top token's probability; 0 = off. */
  minP?: number;
  /** Added to the logits of these token ids (OpenAI `logit_bias`, -100…100; -100 bans the token). */
  logitBias?: Readonly<Record<number, number>>;
  /** Constrains the output to a grammar (structured output). */
  constraint?: OutputConstraint;
  /**
   * Sampling fields the caller did not choose (host/llm/params.ts): their values above are the
   * API's fallbacks, and an engine that has per-model defaults (the model table's) uses those instead.
   */
  defaulted?: readonly DefaultableParam[];
}

/** The sampling fields a model table may give defaults for. */
export type DefaultableParam = 'temperature' | 'topK' | 'topP' | 'repeatPenalty';

/**
 * A grammar the generated text must follow. `param` names the request field it came from, so a
 * grammar the engine cannot compile is refused naming that field.
 */
export type OutputConstraint =
  | { type: 'json'; param: string }
  | { type: 'json_schema'; schema: Readonly<Record<string, unknown>>; param: string }
  | { type: 'gbnf'; grammar: string; param: string };

/** Spin's defaults when the guest passes `none` (docs/spec.md §1). */
export const DEFAULT_INFER_PARAMS: Readonly<InferParams> = Object.freeze({
  maxTokens: 100,
  repeatPenalty: 1.1,
  repeatPenaltyLastNTokenCount: 64,
  temperature: 0.8,
  topK: 40,
  topP: 0.9,
});

export interface InferResult {
  text: string;
  promptTokens: number;
  generatedTokens: number;
  finishReason: 'stop' | 'length';
}

export interface EmbedResult {
  embeddings: number[][];
  promptTokens: number;
}

export interface InferOptions {
  /** Aborts a queued or running call; the slot is freed at once. */
  signal?: AbortSignal;
  /**
   * Called with each piece of generated text as it is produced (streaming). A returned Promise
   * pauses generation until it settles (backpressure: a slow reader holds the slot, not memory).
   */
  onText?: (chunk: string) => unknown;
}

/** One chat message; OpenAI's `developer` role arrives here as `system`. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** Chat params: as InferParams, but maxTokens may be left out (generate until the context is full). */
export type ChatParams = Omit<InferParams, 'maxTokens'> & { maxTokens?: number };

export interface ModelInfo {
  id: string;
  kind: 'completion' | 'embedding';
  /** Where it comes from, for logs and /v1/models owned_by. */
  source: string;
  loaded: boolean;
}

/** The error kinds of fermyon:spin/llm, thrown by engines and mapped by the guest glue. */
export class LlmError extends Error {
  constructor(
    readonly kind: 'model-not-supported' | 'runtime-error' | 'invalid-input' | 'busy',
    message: string,
  ) {
    super(message);
    this.name = 'LlmError';
  }
}

export interface LlmEngine {
  /** Run a completion on the raw prompt. Throws LlmError. */
  infer(model: string, prompt: string, params: InferParams, options?: InferOptions): Promise<InferResult>;
  /**
   * Optional: a chat completion, the messages rendered with the model's chat template (the model
   * table's `chat_template`, else the GGUF's). Engines without it get a plain rendering from the caller.
   */
  chat?(model: string, messages: ChatMessage[], params: ChatParams, options?: InferOptions): Promise<InferResult>;
  /** One L2-normalised vector per input. Throws LlmError. */
  embed(model: string, inputs: string[], options?: { signal?: AbortSignal }): Promise<EmbedResult>;
  /** Models this engine can serve (configured or discovered). */
  listModels(): Promise<ModelInfo[]>;
  /** Release everything (models, contexts). */
  close(): Promise<void>;
}
