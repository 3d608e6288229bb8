/**
 * The prompt worker: renders chat templates and tokenizes long prompts off the main thread,
 * so that no request holds the event loop while that work runs (it takes hundreds of
 * milliseconds at the request limits). It loads each model's vocabulary only (no weights,
 * no context) from the same GGUF file as the engine, so its tokens and templates are the
 * engine's. Prompts are tokenized slice by slice (special-split.ts): cost linear in length.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { getLlama, LlamaLogLevel, type Llama, type LlamaModel } from 'node-llama-cpp';
import { LlmError } from '../engine.js';
import { formatChat } from './chat.js';
import type { FromPromptWorker, PromptWorkerSetup, ToPromptWorker } from './prompt-protocol.js';
import { tokenizeByteRuns } from './byte-runs.js';
import { tokenizeWithSpecials } from './special-split.js';

const setup = workerData as PromptWorkerSetup;
const port = parentPort!;
const post = (msg: FromPromptWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(msg, transfer);

let llama: Promise<Llama> | undefined;
const vocabs = new Map<string, Promise<LlamaModel>>();

function vocab(path: string): Promise<LlamaModel> {
  llama ??= getLlama({
    gpu: setup.gpu,
    build: 'never',
    skipDownload: true,
    maxThreads: 1,
    logLevel: LlamaLogLevel.error,
    logger: (level, message) => {
      const text = message.trim();
      if (text) post({ log: `prompt worker: llama.cpp ${level}: ${text}` });
    },
  });
  let model = vocabs.get(path);
  if (!model) {
    model = llama.then((l) => l.loadModel({ modelPath: path, vocabOnly: true }));
    model.catch(() => vocabs.delete(path));
    vocabs.set(path, model);
  }
  return model;
}

async function handle(msg: ToPromptWorker): Promise<void> {
  try {
    const model = await vocab(msg.modelPath);
    let text: string;
    let stops: string[] = [];
    if (msg.kind === 'chat') ({ prompt: text, stops } = formatChat(model, msg.chatTemplate, msg.messages, msg.functions));
    else text = msg.text;
    const tokens = Uint32Array.from(tokenizeByteRuns(model, text, (t) => tokenizeWithSpecials(model, t)));
    post({ id: msg.id, tokens, stops }, [tokens.buffer]);
  } catch (err) {
    const kind = err instanceof LlmError && err.kind === 'invalid-input' ? 'invalid-input' : 'runtime-error';
    post({ id: msg.id, error: { kind, message: err instanceof Error ? err.message : String(err) } });
  }
}

// one at a time, in order: the work is CPU-bound, and one thread does it
let queue = Promise.resolve();
port.on('message', (msg: ToPromptWorker) => {
  queue = queue.then(() => handle(msg));
});
