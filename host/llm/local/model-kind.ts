/** Guess whether a GGUF is an embedding model from its architecture (for discovered models without a table entry). */

import { readGgufFileInfo } from 'node-llama-cpp';
import type { ModelKind } from './registry.js';

const EMBEDDING_ARCHITECTURES = new Set([
  'bert',
  'nomic-bert',
  'nomic-bert-moe',
  'jina-bert-v2',
  'jina-bert-v3',
  'modern-bert',
  'neo-bert',
  'eurobert',
  't5encoder',
]);

export function kindOfArchitecture(architecture: string | undefined): ModelKind {
  return architecture !== undefined && EMBEDDING_ARCHITECTURES.has(architecture) ? 'embedding' : 'completion';
}

const cache = new Map<string, Promise<ModelKind>>();

/** The kind by the file's `general.architecture`; 'completion' when the file cannot be read. */
export function guessKind(path: string): Promise<ModelKind> {
  let p = cache.get(path);
  if (!p) {
    p = readGgufFileInfo(path, {
      readTensorInfo: false,
      logWarnings: false,
      sourceType: 'filesystem',
      ignoreKeys: ['tokenizer.ggml.tokens', 'tokenizer.ggml.scores', 'tokenizer.ggml.token_type', 'tokenizer.ggml.merges'],
    })
      .then((info) => kindOfArchitecture(info.metadata?.general?.architecture as string | undefined))
      .catch(() => 'completion' as const);
    cache.set(path, p);
  }
  return p;
}
