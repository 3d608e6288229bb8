/**
 * Ollama's streamed answers: one JSON object a line (application/x-ndjson). The generation runs
 * while the client reads; a slow reader pauses it (backpressure, as sse.ts does for SSE), a client
 * that goes away aborts it, and a failure after the first line is one last `{"error"}` line, as
 * Ollama writes it.
 */
export interface NdjsonRun {
  requestSignal: AbortSignal;
  /** Runs the generation, writing lines through `write` (awaiting it pauses when the client lags). */
  run: (signal: AbortSignal, write: (line: unknown) => Promise<void>) => Promise<void>;
  onError: (err: unknown) => void;
}

const HIGH_WATER = 16;

export function ndjsonResponse(opts: NdjsonRun): Response {
  const abort = new AbortController();
  const onAbort = () => abort.abort();
  opts.requestSignal.addEventListener('abort', onAbort, { once: true });
  const encoder = new TextEncoder();
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let wake: (() => void) | undefined;
  const stream = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
      },
      pull() {
        wake?.();
        wake = undefined;
      },
      cancel() {
        abort.abort();
        wake?.();
      },
    },
    { highWaterMark: HIGH_WATER },
  );
  const write = async (line: unknown): Promise<void> => {
    if (abort.signal.aborted) return;
    controller.enqueue(encoder.encode(`${JSON.stringify(line)}\n`));
    if ((controller.desiredSize ?? 1) <= 0) await new Promise<void>((r) => (wake = r));
  };
  void opts
    .run(abort.signal, write)
    .catch(async (err) => {
      if (abort.signal.aborted) return;
      opts.onError(err);
      await write({ error: (err as Error)?.message ?? String(err) });
    })
    .finally(() => {
      opts.requestSignal.removeEventListener('abort', onAbort);
      try {
        controller.close();
      } catch {
        // already cancelled by the client
      }
    });
  return new Response(stream, { headers: { 'content-type': 'application/x-ndjson' } });
}
