/** `spin-ts models serve` and `spin-ts up --openai-listen` as a user starts them, for the OpenAI API tests. */
import { spawnUntilServing, startSpin, type RunningSpin, type SpinOptions } from './spin.js';

export interface RunningServer {
  /** http://127.0.0.1:port (append /v1 for OpenAI clients). */
  url: string;
  output: () => string;
  stop: () => Promise<void>;
}

/** Wait until GET /health answers 200 (models loaded). */
export async function waitHealthy(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${url}/health`).catch(() => undefined);
    if (res?.status === 200) return;
    await res?.body?.cancel();
    if (Date.now() > deadline) throw new Error(`${url}/health did not become 200 in time (last: ${res?.status ?? 'no answer'})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** `spin-ts models serve --listen 127.0.0.1:0 <args>`; resolves once /health is 200. */
export async function startModelsServe(args: string[], opts: SpinOptions = {}): Promise<RunningServer> {
  const server = await spawnUntilServing(
    ['models', 'serve', '--listen', '127.0.0.1:0', ...args],
    /OpenAI-compatible API: (http:\/\/\S+)\/v1/,
    'models serve',
    opts,
  );
  try {
    await waitHealthy(server.url);
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}

/** `spin-ts up <args> --openai-listen 127.0.0.1:0`: the app's URL and the OpenAI listener's. */
export async function startSpinWithOpenAi(args: string[], opts: SpinOptions = {}): Promise<RunningSpin & { openaiUrl: string }> {
  const spin = await startSpin([...args, '--openai-listen', '127.0.0.1:0'], opts);
  const deadline = Date.now() + 10_000;
  for (;;) {
    const m = /OpenAI-compatible API: (http:\/\/\S+)\/v1/.exec(spin.output());
    if (m) return { ...spin, openaiUrl: m[1]! };
    if (Date.now() > deadline) {
      await spin.stop();
      throw new Error(`no "OpenAI-compatible API:" line:\n${spin.output()}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}
