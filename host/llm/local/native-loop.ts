/**
 * The native token loop (native/token-loop/): one thread per context that decodes, samples and
 * checks stops for every sequence of the context without JavaScript between steps, on
 * node-llama-cpp's own llama_context. This file loads the addon (once; a missing or failing
 * addon gives one log line and the JS loop), and wraps one loop per context: it dispatches the
 * loop's event batches to the sequences' handlers and counts park requests.
 *
 * Choosing: SPIN_TS_TOKEN_LOOP=native|js (default native).
 */

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { LlamaContext } from 'node-llama-cpp';

/** Where `npm run build` puts the addon (native/token-loop/build.mjs), from dist/host/llm/local/. */
export const ADDON_PATH = fileURLToPath(new URL('../../../../native/token-loop/build/token_loop.node', import.meta.url));

const EV_TOKEN = 1;
const EV_DONE = 2;
const EV_PARKED = 3;
const EV_ERROR = 4;

export const DoneReason = { eog: 1, maxTokens: 2, contextFull: 3, stopped: 4, error: 5 } as const;

/** Sampling and limits of one sequence, as the addon reads them. */
export interface NativeParams {
  temperature: number;
  topK: number;
  topP: number;
  minP: number;
  seed: number;
  penaltyLastN: number;
  repeatPenalty: number;
  frequencyPenalty: number;
  presencePenalty: number;
  biasKeys?: Uint32Array;
  biasValues?: Float32Array;
  grammar?: string;
  grammarRoot?: string;
  maxTokens: number;
  contextSize: number;
}

/** What one sequence is told, on the main thread, in the order the loop produced it. */
export interface SequenceHandlers {
  /** A sampled token; `kvLength`: the tokens in the sequence's KV cells when it was sampled. */
  onToken(token: number, kvLength: number): void;
  /** The loop is done with the sequence (no more events); `kvLength` as above. */
  onDone(reason: number, kvLength: number): void;
  onError(status: number): void;
}

interface AddonLoop {
  start(sequenceId: number, prompt: Int32Array, startPos: number, penaltyTokens: Int32Array, params: NativeParams): void;
  stop(sequenceId: number): void;
  pause(sequenceId: number, paused: boolean): void;
  park(): boolean;
  unpark(): void;
  close(): void;
  ref(on: boolean): void;
  expect(delta: number): void;
  info(): { nBatch: number; nSeqMax: number; nCtx: number; nVocab: number; batches: number };
}

interface Addon {
  TokenLoop: new (addonContext: object, addonModel: object, onEvents: (events: Int32Array) => void, options: { packPrompts: boolean }) => AddonLoop;
}

let addon: Addon | undefined | null = null;

/** Which loop this process runs: native unless SPIN_TS_TOKEN_LOOP=js; native falls back to js (logged) when the addon cannot load. */
export function tokenLoopChoice(): 'native' | 'js' {
  return process.env.SPIN_TS_TOKEN_LOOP === 'js' ? 'js' : 'native';
}

/** The addon, or undefined (logged once) when it is missing or fails to load. */
export function loadTokenLoopAddon(log: (line: string) => void): Addon | undefined {
  if (addon !== null) return addon;
  addon = undefined;
  // SPIN_TS_TOKEN_LOOP_ADDON: another build of the addon (or none, for tests of the fallback)
  const path = process.env.SPIN_TS_TOKEN_LOOP_ADDON || ADDON_PATH;
  try {
    if (!existsSync(path)) throw new Error(`${path} is missing (npm run build compiles it where a C++ compiler is found)`);
    addon = createRequire(import.meta.url)(path) as Addon;
  } catch (err) {
    log(`token loop: the native addon is unavailable, using the JS loop: ${(err as Error).message}`);
  }
  return addon;
}

/** node-llama-cpp's native objects behind a context (internal fields, checked by the addon). */
function addonObjects(context: LlamaContext): { ctx: object; model: object } {
  const ctx = (context as unknown as { _ctx?: unknown })._ctx;
  const model = (context.model as unknown as { _model?: unknown })._model;
  if (typeof ctx !== 'object' || ctx === null || typeof model !== 'object' || model === null) {
    throw new Error("node-llama-cpp's context does not expose its native objects");
  }
  return { ctx, model };
}

export class NativeTokenLoop {
  private readonly loop: AddonLoop;
  private readonly handlers = new Map<number, SequenceHandlers>();
  private parks = 0;
  private parked: Promise<void> | undefined;
  private onParked: (() => void) | undefined;
  private closed = false;

  constructor(a: Addon, context: LlamaContext, options: { packPrompts: boolean }) {
    const { ctx, model } = addonObjects(context);
    this.loop = new a.TokenLoop(ctx, model, (events) => this.dispatch(events), options);
  }

  info(): ReturnType<AddonLoop['info']> {
    return this.loop.info();
  }

  /** Runs a sequence: decodes `prompt` from `startPos` on, then generates until a stop. */
  start(
    sequenceId: number,
    prompt: readonly number[],
    startPos: number,
    penaltyTokens: readonly number[],
    params: NativeParams,
    handlers: SequenceHandlers,
  ): void {
    if (this.closed) throw new Error('the token loop is closed');
    if (this.handlers.has(sequenceId)) throw new Error(`sequence ${sequenceId} is still running in the token loop`);
    this.loop.start(sequenceId, Int32Array.from(prompt), startPos, Int32Array.from(penaltyTokens), params);
    this.handlers.set(sequenceId, handlers);
    this.keepAlive();
  }

  /** The process stays up while somebody waits for the loop's events. */
  private keepAlive(): void {
    if (!this.closed) this.loop.ref(this.handlers.size > 0 || this.onParked !== undefined);
  }

  /**
   * A call is about to start a sequence: the loop holds its next batch (a few ms at most) until
   * the returned function is called (once the sequence started, or the call gave up; idempotent).
   */
  expect(): () => void {
    if (this.closed) return () => undefined;
    this.loop.expect(1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      if (!this.closed) this.loop.expect(-1);
    };
  }

  /** The sequence ends before its next decode; onDone follows. */
  stop(sequenceId: number): void {
    if (this.handlers.has(sequenceId)) this.loop.stop(sequenceId);
  }

  /** A paused sequence is left out of the batches (its reader is behind). */
  pause(sequenceId: number, paused: boolean): void {
    if (this.handlers.has(sequenceId)) this.loop.pause(sequenceId, paused);
  }

  /**
   * Stops the loop between two steps (nothing of it touches the context until unpark); resolves
   * once it has stopped and every event before that was handled. Nested parks share one stop.
   */
  park(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.parks++ > 0) return this.parked!;
    if (this.loop.park()) {
      this.parked = Promise.resolve();
    } else {
      this.parked = new Promise<void>((resolve) => (this.onParked = resolve));
      this.keepAlive();
    }
    return this.parked;
  }

  unpark(): void {
    if (this.parks === 0) return;
    if (--this.parks > 0) return;
    this.parked = undefined;
    this.onParked = undefined;
    this.keepAlive();
    if (!this.closed) this.loop.unpark();
  }

  /** Ends the thread (after its current step); running sequences get onDone(stopped). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.loop.close();
    this.onParked?.();
    for (const [, h] of this.handlers) h.onDone(DoneReason.stopped, -1);
    this.handlers.clear();
  }

  private dispatch(events: Int32Array): void {
    for (let i = 0; i + 3 < events.length; i += 4) {
      const seq = events[i]!;
      const kind = events[i + 1]!;
      const a = events[i + 2]!;
      const b = events[i + 3]!;
      if (kind === EV_PARKED) {
        const resolve = this.onParked;
        this.onParked = undefined;
        this.keepAlive();
        resolve?.();
        continue;
      }
      const h = this.handlers.get(seq);
      if (!h) continue;
      try {
        if (kind === EV_TOKEN) h.onToken(a, b);
        else if (kind === EV_ERROR) h.onError(a);
        else if (kind === EV_DONE) {
          this.handlers.delete(seq);
          this.keepAlive();
          h.onDone(a, b);
        }
      } catch {
        // a handler's failure is its own call's (generate-native.ts catches what it must)
      }
    }
  }
}
