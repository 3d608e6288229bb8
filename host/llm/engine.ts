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
  /** Report each generated token's log probability, with this many of the likeliest alternatives (0–20). */
  logprobs?: number;
  /**
   * Sampling fields the caller did not choose (host/llm/params.ts): their values above are the
   * API's fallbacks, and an engine that has per-model defaults (the model table's) uses those instead.
   */
  defaulted?: readonly DefaultableParam[];
}

/** A token's log probability (natural log), as the sampler saw it. */
export interface TokenLogprob {
  /** The token's text; bytes that are no UTF-8 text alone are written \xNN (OpenAI's way). */
  token: string;
  bytes: number[];
  logprob: number;
}

export interface GeneratedTokenLogprob extends TokenLogprob {
  /** The likeliest tokens at this step, most likely first. */
  top: TokenLogprob[];
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
  finishReason: 'stop' | 'length' | 'tool_calls';
  /** The stop string that ended the generation, when one did. */
  stoppedBy?: string;
  /** With params.logprobs: one entry per token of `text`. */
  logprobs?: GeneratedTokenLogprob[];
  /** Chat only: the function calls the model made (finishReason 'tool_calls', or 'length' if cut short). */
  toolCalls?: GeneratedToolCall[];
}

/** A function the model may call (OpenAI `tools[].function`). */
export interface ToolFunction {
  name: string;
  description?: string;
  /** A JSON schema of the arguments object (the arguments are generated to follow it). */
  parameters?: Readonly<Record<string, unknown>>;
}

/** Tools offered to a chat: `auto` lets the model choose; `required` and a name force one call. */
export interface ChatTools {
  functions: readonly ToolFunction[];
  choice: 'auto' | 'required' | { name: string };
}

/** A call the model made: `arguments` is the JSON text it generated. */
export interface GeneratedToolCall {
  name: string;
  arguments: string;
}

/** A call in the history (an assistant message's tool_calls), answered by a `tool` message with its id. */
export interface HistoryToolCall extends GeneratedToolCall {
  id: string;
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
  /** Chat with tools: a call begins (its name is known); its arguments follow through onToolArguments. */
  onToolCall?: (index: number, name: string) => unknown;
  /** Chat with tools: a piece of a call's arguments text (backpressure as for onText). */
  onToolArguments?: (index: number, chunk: string) => unknown;
}

/**
 * One chat message; OpenAI's `developer` role arrives here as `system`. An assistant message may
 * hold tool calls; a `tool` message answers the call with id `toolCallId`.
 */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  toolCalls?: HistoryToolCall[];
  toolCallId?: string;
}

/** Chat params: as InferParams, but maxTokens may be left out (generate until the context is full). */
export type ChatParams = Omit<InferParams, 'maxTokens'> & { maxTokens?: number; tools?: ChatTools };

/** llama-server's /tokenize answer: token ids, and with `withPieces` each token's text (or its bytes when it is no text alone). */
export interface TokenizeResult {
  tokens: number[];
  pieces?: (string | number[])[];
}

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

/** What every engine does: completions, embeddings, its model list. */
export interface BaseLlmEngine {
  /** Run a completion on the raw prompt. Throws LlmError. */
  infer(model: string, prompt: string, params: InferParams, options?: InferOptions): Promise<InferResult>;
  /** One L2-normalised vector per input. Throws LlmError. */
  embed(model: string, inputs: string[], options?: { signal?: AbortSignal }): Promise<EmbedResult>;
  /** Models this engine can serve (configured or discovered). */
  listModels(): Promise<ModelInfo[]>;
  /** Release everything (models, contexts). */
  close(): Promise<void>;
}

/**
 * What an engine that runs the models itself (the local engine) adds: chats through the model's
 * own template with tools, logprobs, and its tokens.
 */
export interface ChatCapabilities {
  /**
   * A chat completion, the messages rendered with the model's chat template (the model table's
   * `chat_template`, else the GGUF's). Engines without it get a plain rendering from the caller.
   */
  chat(model: string, messages: ChatMessage[], params: ChatParams, options?: InferOptions): Promise<InferResult>;
  /** True when `chat` honours `params.tools` and tool messages; other engines are refused them. */
  readonly toolCalling: boolean;
  /** True when results carry `logprobs` when params.logprobs asks; other engines are refused it. */
  readonly tokenLogprobs: boolean;
  /** A text's tokens (special-token texts parsed; BOS only with addSpecial). Throws LlmError. */
  tokenize(model: string, text: string, options: { addSpecial: boolean; withPieces: boolean; signal?: AbortSignal }): Promise<TokenizeResult>;
  /** Token ids → text (special tokens written as their text). Throws LlmError. */
  detokenize(model: string, tokens: number[], options?: { signal?: AbortSignal }): Promise<string>;
}

/** An engine with all of ChatCapabilities (the local engine). */
export interface ChatEngine extends BaseLlmEngine, ChatCapabilities {}

/**
 * Any engine: the base, with whichever ChatCapabilities it has (remote engines have `chat`
 * alone, or none). Callers test for a member before they use it.
 */
export interface LlmEngine extends BaseLlmEngine, Partial<ChatCapabilities> {}
