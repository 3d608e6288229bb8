/** The llm factor's service, as its guest side calls it and its main-thread side implements it. */
import type { InferParams } from '../../llm/engine.js';

/** fermyon:spin/llm `inferencing-result`, as jco lowers it. */
export interface WitInferResult {
  text: string;
  usage: { promptTokenCount: number; generatedTokenCount: number };
}

/** fermyon:spin/llm `embeddings-result` (vectors as plain arrays across the bridge). */
export interface WitEmbedResult {
  embeddings: number[][];
  usage: { promptTokenCount: number };
}

export interface LlmService {
  infer(model: string, prompt: string, params: InferParams): WitInferResult;
  embed(model: string, inputs: string[]): WitEmbedResult;
}

/** What the guest side gets per component: its `ai_models` allow-list and the prompt-size bound. */
export interface LlmGuestConfig {
  aiModels: string[];
  /** Longer prompts are refused with invalid-input before they cross the bridge (host/llm/prompt-limit.ts). */
  maxPromptChars?: number;
}
