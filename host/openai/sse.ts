/**
 * Server-sent events for streamed generations, framed as OpenAI's servers frame them: each event
 * is `data: <json>\n\n`, the stream ends with `data: [DONE]\n\n`, and an error after the stream
 * has begun is `data: {"error":{...}}\n\n` (JSON — the official SDK cannot parse plain text).
 *
 * The response is held back until the first text arrives (or the generation ends): a request
 * refused before generating — bad input, unknown model, busy — still gets its real HTTP status.
 * The generation is aborted when the client disconnects (request signal) or cancels the stream;
 * the engine then frees the slot. A client that stays connected but stops reading pauses it:
 * once the socket's buffers and the stream's queue (STREAM_HIGH_WATER_BYTES) are full, onText
 * hands the engine a promise that settles when the reader pulls again, so no text piles up.
 */
import type { InferResult } from '../llm/engine.js';
import { fromEngineError, type OpenAiErrorBody } from './errors.js';

export const SSE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no',
});

export function sseEvent(value: unknown): string {
  return `data: ${JSON.stringify(value)}\n\n`;
}

export const SSE_DONE = 'data: [DONE]\n\n';

/** Bytes of events queued for a slow reader (beyond the socket's own buffers) before generation pauses. */
export const STREAM_HIGH_WATER_BYTES = 64 * 1024;

export interface StreamGenerationOptions {
  /** The request's signal: aborted when the client goes away. */
  requestSignal: AbortSignal;
  /**
   * Starts the generation; must honour `signal` and report text through `onText`, and should
   * wait for a promise onText returns before producing more (backpressure). `emit` sends any other
   * event (a tool call's start, …), with the same backpressure and first-event rule.
   */
  run: (signal: AbortSignal, onText: (text: string) => Promise<void> | undefined, emit: (event: unknown) => Promise<void> | undefined) => Promise<InferResult>;
  /** Events before the first text (e.g. the role delta). */
  head: () => unknown[];
  /** One text piece as an event. */
  chunk: (text: string) => unknown;
  /** Events after the last text (finish reason, usage). */
  tail: (result: InferResult) => unknown[];
  /** The model, for error mapping. */
  model: string;
  /** How an event is written (default `data: <json>`; the Responses API names its events too). */
  frame?: (event: unknown) => string;
  /** Written after the tail (default `data: [DONE]`; null: nothing). */
  endMarker?: string | null;
  /** An error after the stream began, as an event (default: the error body). */
  errorEvent?: (body: OpenAiErrorBody) => unknown;
  /** Told how the stream ended: 'done', 'error' (sent in-stream) or 'cancelled' (client gone). */
  onEnd?: (outcome: 'done' | 'error' | 'cancelled', detail?: unknown) => void;
}

/**
 * Runs a generation and answers with its SSE stream. Rejects (with the engine's error) when the
 * generation fails before producing any text, so the caller can answer with a plain error status.
 */
export async function streamGeneration(opts: StreamGenerationOptions): Promise<Response> {
  const abort = new AbortController();
  const onRequestAbort = (): void => abort.abort(opts.requestSignal.reason);
  if (opts.requestSignal.aborted) onRequestAbort();
  else opts.requestSignal.addEventListener('abort', onRequestAbort, { once: true });

  const encoder = new TextEncoder();
  const buffered: string[] = [];
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  let closed = false;
  let firstText: () => void = () => undefined;
  const gotFirstText = new Promise<void>((resolve) => (firstText = resolve));

  const write = (s: string): void => {
    if (closed) return;
    if (controller) {
      try {
        controller.enqueue(encoder.encode(s));
      } catch {
        closed = true;
      }
    } else buffered.push(s);
  };
  const close = (): void => {
    resumeReading();
    if (closed) return;
    closed = true;
    opts.requestSignal.removeEventListener('abort', onRequestAbort);
    try {
      controller?.close();
    } catch {
      // already errored or cancelled
    }
  };

  // set while the stream's queue is full; resolved by the next pull (or the end of the stream)
  let readable: { promise: Promise<void>; resolve: () => void } | undefined;
  const resumeReading = (): void => {
    readable?.resolve();
    readable = undefined;
  };
  const frame = opts.frame ?? sseEvent;
  const emit = (event: unknown): Promise<void> | undefined => {
    write(frame(event));
    firstText();
    if (closed || !controller || (controller.desiredSize ?? 1) > 0) return undefined;
    if (!readable) {
      let resolve: () => void = () => undefined;
      const promise = new Promise<void>((r) => (resolve = r));
      readable = { promise, resolve };
    }
    return readable.promise;
  };
  const onText = (text: string): Promise<void> | undefined => (text.length === 0 ? undefined : emit(opts.chunk(text)));
  const generation = opts.run(abort.signal, onText, emit);

  // hold the response until there is text (or the end): a refusal keeps its own status
  try {
    await Promise.race([gotFirstText, generation]);
  } catch (err) {
    opts.requestSignal.removeEventListener('abort', onRequestAbort);
    throw err;
  }

  const stream = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
        const head = opts.head().map(frame).join('');
        c.enqueue(encoder.encode(head + buffered.join('')));
        buffered.length = 0;
      },
      pull() {
        resumeReading();
      },
      cancel(reason) {
        closed = true;
        resumeReading();
        abort.abort(reason ?? new Error('the client cancelled the stream'));
      },
    },
    new ByteLengthQueuingStrategy({ highWaterMark: STREAM_HIGH_WATER_BYTES }),
  );

  generation.then(
    (result) => {
      for (const event of opts.tail(result)) write(frame(event));
      const end = opts.endMarker === undefined ? SSE_DONE : opts.endMarker;
      if (end !== null) write(end);
      close();
      opts.onEnd?.('done', result);
    },
    (err: unknown) => {
      if (abort.signal.aborted) {
        close();
        opts.onEnd?.('cancelled', err);
        return;
      }
      const body: OpenAiErrorBody = fromEngineError(err, opts.model).body();
      write(frame(opts.errorEvent ? opts.errorEvent(body) : body));
      close();
      opts.onEnd?.('error', err);
    },
  );

  return new Response(stream, { status: 200, headers: { ...SSE_HEADERS } });
}
