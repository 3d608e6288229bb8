/**
 * Prompt → the tokens the engine evaluates (BOS prepended when the model wants one), computed
 * once per request.
 *
 * Small inputs are rendered and tokenized inline: that costs well under a few milliseconds
 * (~1 µs a character, ~20 µs a message on a loaded 2-core box). Larger ones go to the prompt
 * worker (prompt-worker.ts), so a request at the limits (2048 messages, 256 Ki characters:
 * hundreds of milliseconds of rendering and tokenizing) never holds the event loop.
 */
import type { LlamaModel, Token } from 'node-llama-cpp';
import type { ChatMessage, ToolFunction } from '../engine.js';
import { formatChat } from './chat.js';
import type { PromptWorkerClient } from './prompt-worker-client.js';

/** Inputs up to these sizes are handled on the calling thread. */
export const INLINE_MAX_CHARS = 4096;
export const INLINE_MAX_MESSAGES = 32;

export interface PromptSource {
  model: LlamaModel;
  /** The GGUF the model was loaded from (the worker loads its vocabulary). */
  modelPath: string;
  chatTemplate?: string | undefined;
}

export interface ChatTokens {
  tokens: Token[];
  /** Stop strings the template asks for. */
  stops: string[];
}

function withBos(model: LlamaModel, tokens: Token[]): Token[] {
  const bos = model.tokens.bos;
  if (model.tokens.shouldPrependBosToken && bos !== null && tokens[0] !== bos) tokens.unshift(bos);
  return tokens;
}

export async function textTokens(src: PromptSource, text: string, worker: PromptWorkerClient, signal?: AbortSignal): Promise<Token[]> {
  if (text.length <= INLINE_MAX_CHARS) return withBos(src.model, src.model.tokenize(text, true));
  const { tokens } = await worker.run({ kind: 'text', modelPath: src.modelPath, text }, signal);
  return withBos(src.model, tokens);
}

/** The rendered chat's tokens; with `functions`, the template documents them (chat.ts). */
export async function chatTokens(
  src: PromptSource,
  messages: readonly ChatMessage[],
  worker: PromptWorkerClient,
  signal?: AbortSignal,
  functions?: readonly ToolFunction[],
): Promise<ChatTokens> {
  let chars = 0;
  for (const m of messages) chars += m.content.length + (m.toolCalls?.reduce((n, c) => n + c.arguments.length, 0) ?? 0);
  // the functions' documentation is rendered too: count its size (schemas can be large)
  if (functions && functions.length > 0) chars += JSON.stringify(functions).length;
  if (messages.length <= INLINE_MAX_MESSAGES && chars <= INLINE_MAX_CHARS) {
    const { prompt, stops } = formatChat(src.model, src.chatTemplate, messages, functions);
    return { tokens: withBos(src.model, src.model.tokenize(prompt, true)), stops };
  }
  const { tokens, stops } = await worker.run(
    { kind: 'chat', modelPath: src.modelPath, chatTemplate: src.chatTemplate, messages: [...messages], ...(functions ? { functions: [...functions] } : {}) },
    signal,
  );
  return { tokens: withBos(src.model, tokens), stops };
}
