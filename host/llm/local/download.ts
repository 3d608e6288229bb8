/**
 * A model table entry's `source` URL, fetched once into the state dir (docs/ai.md, "Model sources").
 *
 * - The file goes to `<dest>.part` first; an interrupted download (a dropped connection, a stalled
 *   body) is resumed from the bytes already there with an HTTP Range request, up to `attempts`
 *   tries; a server that ignores Range (200) starts the file over.
 * - The whole file is checked against `sha256` (when given) before it is renamed into place; a
 *   mismatch deletes it and names both digests.
 * - 4xx answers are final (no retry); 5xx and network errors are retried.
 * - Progress: a redrawn bar on an interactive stderr, otherwise a log line per 10%.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Agent, interceptors, request, type Dispatcher } from 'undici';
import { LlmError } from '../engine.js';
import { sourceHeaders } from './hf-source.js';
import { sha256File } from './sha256-file.js';

export interface DownloadOptions {
  /** The model name, for messages. */
  name: string;
  url: string;
  dest: string;
  sha256?: string | undefined;
  log: (line: string) => void;
  /** No headers, or no body byte, for this long fails the attempt (default 30 s). */
  timeoutMs?: number | undefined;
  /** Tries in all, each resuming the last (default 5). */
  attempts?: number | undefined;
  /** Wait between tries (default 1 s). */
  retryDelayMs?: number | undefined;
  stream?: NodeJS.WriteStream | undefined;
}

export interface DownloadResult {
  path: string;
  /** False when the file was already there (then nothing was fetched or hashed). */
  downloaded: boolean;
}

/** Where a source URL's file lives: `<stateDir>/ai-models/<name>/<file name of the URL>` (.gguf added when missing). */
export function downloadPath(stateDir: string, name: string, url: string): string {
  let file = basename(decodeURIComponent(new URL(url).pathname)).replace(/[^A-Za-z0-9._-]/g, '_');
  if (file === '' || file === '.' || file === '..') file = 'model.gguf';
  if (!file.toLowerCase().endsWith('.gguf')) file += '.gguf';
  return join(stateDir, 'ai-models', name, file);
}

/** A URL as logged: no user info, no query (it may hold a token). */
export function displayUrl(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname}`;
}

class FinalError extends Error {}

let agent: Dispatcher | undefined;
function dispatcher(): Dispatcher {
  agent ??= new Agent().compose(interceptors.redirect({ maxRedirections: 5 }));
  return agent;
}

async function sizeOf(path: string): Promise<number> {
  return (await stat(path).catch(() => undefined))?.size ?? 0;
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** Makes sure the source's file is in `dest`, downloading (and resuming) it when it is not. */
export async function ensureDownloaded(opts: DownloadOptions): Promise<DownloadResult> {
  if ((await stat(opts.dest).catch(() => undefined))?.isFile()) return { path: opts.dest, downloaded: false };
  const attempts = opts.attempts ?? 5;
  const where = displayUrl(opts.url);
  const part = `${opts.dest}.part`;
  await mkdir(dirname(opts.dest), { recursive: true });
  if (!opts.sha256) opts.log(`model '${opts.name}': no sha256 in the model table; the download from ${where} is not verified`);
  const started = performance.now();
  let lastError = '';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      await fetchInto(part, opts, where);
      lastError = '';
      break;
    } catch (err) {
      if (err instanceof FinalError) throw new LlmError('runtime-error', err.message);
      lastError = (err as Error).message;
      if (attempt < attempts) {
        opts.log(`model '${opts.name}': download interrupted at ${mib(await sizeOf(part))} (${lastError}); resuming (try ${attempt + 1} of ${attempts})`);
        await new Promise((r) => setTimeout(r, opts.retryDelayMs ?? 1000));
      }
    }
  }
  if (lastError) {
    throw new LlmError(
      'runtime-error',
      `cannot download model '${opts.name}' from ${where}: ${lastError} (gave up after ${attempts} tries; ${mib(await sizeOf(part))} kept in ${part}, resumed next time). ` +
        `Fix: check the network and the source URL, or put the file at ${opts.dest} yourself`,
    );
  }
  if (opts.sha256) {
    const actual = await sha256File(part);
    if (actual !== opts.sha256.toLowerCase()) {
      await rm(part, { force: true });
      throw new LlmError(
        'runtime-error',
        `sha256 mismatch for model '${opts.name}' downloaded from ${where}: expected ${opts.sha256.toLowerCase()}, got ${actual}; the file was deleted. ` +
          `Fix: correct sha256 in [llm_models.${opts.name}] of the runtime config, or point its source at the file that has this digest`,
      );
    }
  }
  await rename(part, opts.dest);
  opts.log(
    `model '${opts.name}': downloaded ${mib(await sizeOf(opts.dest))} from ${where} to ${opts.dest} in ${((performance.now() - started) / 1000).toFixed(1)} s${opts.sha256 ? ', sha256 verified' : ''}`,
  );
  return { path: opts.dest, downloaded: true };
}

/** One try: appends the rest of the file to `part`; throws FinalError for answers a retry cannot fix. */
async function fetchInto(part: string, opts: DownloadOptions, where: string): Promise<void> {
  let offset = await sizeOf(part);
  const timeout = opts.timeoutMs ?? 30_000;
  const res = await request(opts.url, {
    dispatcher: dispatcher(),
    // a Hugging Face token goes to the Hugging Face endpoint only (hf-source.ts); undici drops it on a cross-origin redirect
    headers: { ...(await sourceHeaders(opts.url)), ...(offset > 0 ? { range: `bytes=${offset}-` } : {}) },
    headersTimeout: timeout,
    bodyTimeout: timeout,
  });
  if (res.statusCode === 416 && offset > 0) {
    // the part is as long as the file, or the file changed: start over
    await res.body.dump();
    await rm(part, { force: true });
    throw new Error('the server refused the resume range (416); starting over');
  }
  if (res.statusCode >= 400) {
    await res.body.dump();
    const msg = `cannot download model '${opts.name}' from ${where}: HTTP ${res.statusCode}`;
    if (res.statusCode < 500) throw new FinalError(`${msg}. Fix: ${fixFor(res.statusCode, opts.name)}`);
    throw new Error(`HTTP ${res.statusCode}`);
  }
  if (res.statusCode !== 200 && res.statusCode !== 206) {
    await res.body.dump();
    throw new FinalError(`cannot download model '${opts.name}' from ${where}: unexpected HTTP ${res.statusCode}`);
  }
  let total: number | undefined;
  if (res.statusCode === 206) {
    const m = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(String(res.headers['content-range'] ?? ''));
    if (!m || Number(m[1]) !== offset) {
      await res.body.dump();
      await rm(part, { force: true });
      throw new Error(`the server answered a different range (${String(res.headers['content-range'] ?? 'none')}); starting over`);
    }
    if (m[2] !== '*') total = Number(m[2]);
  } else {
    offset = 0; // no Range support (or a fresh start): the whole file comes again
    const length = Number(res.headers['content-length']);
    if (Number.isFinite(length)) total = length;
  }
  if (offset > 0) opts.log(`model '${opts.name}': resuming at ${mib(offset)}`);
  else opts.log(`model '${opts.name}': downloading ${where}${total !== undefined ? ` (${mib(total)})` : ''}`);
  const progress = downloadProgress(opts.name, total, opts.log, opts.stream ?? process.stderr);
  const out = createWriteStream(part, { flags: offset > 0 ? 'a' : 'w' });
  let received = offset;
  try {
    await new Promise<void>((resolve, reject) => {
      out.on('error', reject);
      res.body.on('error', reject);
      res.body.on('data', (chunk: Buffer) => {
        received += chunk.length;
        progress.update(received);
        if (!out.write(chunk)) {
          res.body.pause();
          out.once('drain', () => res.body.resume());
        }
      });
      res.body.on('end', () => out.end(resolve));
    });
  } catch (err) {
    res.body.destroy();
    await new Promise<void>((r) => out.end(r));
    throw err;
  } finally {
    progress.done();
  }
  if (total !== undefined && received !== total) throw new Error(`the connection ended at ${received} of ${total} bytes`);
}

/** What the operator can do about a 4xx answer. */
function fixFor(status: number, name: string): string {
  if (status === 404) return `the file is not there: check source in [llm_models.${name}] of the runtime config`;
  if (status === 401 || status === 403)
    return 'the server wants credentials the request did not carry (a gated repository: accept its terms, and set HF_TOKEN for Hugging Face)';
  return `check source in [llm_models.${name}] of the runtime config`;
}

interface DownloadProgress {
  update(bytes: number): void;
  done(): void;
}

const WIDTH = 30;

function downloadProgress(name: string, total: number | undefined, log: (line: string) => void, stream: NodeJS.WriteStream): DownloadProgress {
  if (total === undefined || total === 0) return { update: () => undefined, done: () => undefined };
  let last = -1;
  let drawn = false;
  return {
    update(bytes) {
      const pct = Math.min(100, Math.floor((bytes / total) * 100));
      if (stream.isTTY) {
        if (pct === last) return;
        last = pct;
        const filled = Math.round((pct / 100) * WIDTH);
        stream.write(`\r[${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${String(pct).padStart(3)}% ${mib(bytes)} / ${mib(total)} downloading ${name}`);
        drawn = true;
        return;
      }
      const tenth = Math.floor(pct / 10) * 10;
      if (tenth <= last || tenth === 0) return;
      last = tenth;
      log(`model '${name}': downloaded ${tenth}% (${mib(bytes)} of ${mib(total)})`);
    },
    done() {
      if (drawn) stream.write('\n');
    },
  };
}
