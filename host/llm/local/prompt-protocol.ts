/** Messages between the engine and its prompt worker (prompt-worker.ts). */
import type { ChatMessage, ToolFunction } from '../engine.js';

/** The llama.cpp binary the worker loads: the engine's own (vocabularies need no GPU). */
export type WorkerGpu = false | 'cuda' | 'vulkan' | 'metal';

export interface PromptWorkerSetup {
  gpu: WorkerGpu;
}

export type ToPromptWorker =
  | { id: number; kind: 'chat'; modelPath: string; chatTemplate: string | undefined; messages: ChatMessage[]; functions?: ToolFunction[] }
  | { id: number; kind: 'text'; modelPath: string; text: string };

export type FromPromptWorker =
  { id: number; tokens: Uint32Array; stops: string[] } | { id: number; error: { kind: 'invalid-input' | 'runtime-error'; message: string } } | { log: string };
