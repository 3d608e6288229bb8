/**
 * Hugging Face model sources: `hf:<user>/<repo>/<file>.gguf` (also `hf://`, `huggingface:`, and
 * `#<revision>` after the file), and the token sent for gated repositories. The URL shape,
 * the endpoint variables and the token lookup are node-llama-cpp 3.22's (its `parseModelUri`
 * and `resolveModelFileAccessTokensTryHeaders`, which the package does not export apart from its
 * own downloader), so a source means here what it means to node-llama-cpp and llama.cpp:
 *
 * - `<endpoint><user>/<repo>/resolve/<revision>/<file>?download=true`, the endpoint being
 *   MODEL_ENDPOINT, else HF_ENDPOINT, else https://huggingface.co/;
 * - the token: HF_TOKEN, else the file HF_TOKEN_PATH, else `$HF_HOME/token`
 *   (`~/.cache/huggingface/token`), sent as `Authorization: Bearer …` to the endpoint's host only
 *   (undici drops it on a redirect to another origin, as Hugging Face's CDN redirects are).
 *
 * The download itself stays download.ts's (resume, sha256, progress, the state-dir path rule).
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

const DEFAULT_ENDPOINT = 'https://huggingface.co/';
const PREFIXES = ['hf://', 'huggingface://', 'hf:', 'huggingface:'];

export interface HfSource {
  user: string;
  repo: string;
  /** The file's path inside the repository. */
  file: string;
  revision: string;
}

/** Whether a `source` value is meant as a Hugging Face URI. */
export function isHfUri(value: string): boolean {
  return PREFIXES.some((p) => value.startsWith(p));
}

/** The parts of an `hf:` URI; an Error saying what is missing when it names no file. */
export function parseHfUri(value: string): HfSource {
  const prefix = PREFIXES.find((p) => value.startsWith(p));
  if (prefix === undefined) throw new Error(`not a Hugging Face URI: ${value}`);
  let rest = value.slice(prefix.length);
  let revision = 'main';
  const hash = rest.indexOf('#');
  if (hash >= 0) {
    revision = rest.slice(hash + 1) || 'main';
    rest = rest.slice(0, hash);
  }
  const [user, repo, ...path] = rest.split('/');
  const file = path.join('/');
  if (!user || !repo || file === '' || path.some((p) => p === '' || p === '.' || p === '..') || repo.includes(':')) {
    throw new Error(
      `"${value}" names no file: give hf:<user>/<repo>/<file>.gguf (the file's path in the repository; the :<quant> form needs Hugging Face's manifest API, which is not used)`,
    );
  }
  return { user, repo, file, revision };
}

/** The endpoint node-llama-cpp and llama.cpp use: MODEL_ENDPOINT, else HF_ENDPOINT, else huggingface.co; ends with "/". */
export function hfEndpoint(env: NodeJS.ProcessEnv = process.env): string {
  for (const v of [env.MODEL_ENDPOINT, env.HF_ENDPOINT]) {
    if (v === undefined || v === '') continue;
    try {
      const u = new URL(v);
      if (u.protocol === 'http:' || u.protocol === 'https:') return v.endsWith('/') ? v : `${v}/`;
    } catch {
      // not a URL: node-llama-cpp skips it too
    }
  }
  return DEFAULT_ENDPOINT;
}

/** The download URL of an `hf:` source. */
export function hfUrl(s: HfSource, endpoint = hfEndpoint()): string {
  const path = s.file.split('/').map(encodeURIComponent).join('/');
  return `${endpoint}${encodeURIComponent(s.user)}/${encodeURIComponent(s.repo)}/resolve/${encodeURIComponent(s.revision)}/${path}?download=true`;
}

/** Whether a URL is on the Hugging Face endpoint (then the token goes with it). */
export function isHfUrl(url: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const host = new URL(url).hostname;
  const endpoint = hfEndpoint(env);
  if (host === new URL(endpoint).hostname) return true;
  return endpoint === DEFAULT_ENDPOINT && host === 'hf.co';
}

/** The Hugging Face token, looked up as node-llama-cpp does; undefined when there is none. */
export async function hfToken(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  if (env.HF_TOKEN !== undefined && env.HF_TOKEN !== '') return env.HF_TOKEN;
  const home = env.HF_HOME || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'huggingface');
  const file = env.HF_TOKEN_PATH || join(home, 'token');
  const token = (await readFile(file, 'utf8').catch(() => '')).trim();
  return token === '' ? undefined : token;
}

/** The headers a download from `url` carries: the token, for the Hugging Face endpoint only. */
export async function sourceHeaders(url: string, env: NodeJS.ProcessEnv = process.env): Promise<Record<string, string>> {
  if (!isHfUrl(url, env)) return {};
  const token = await hfToken(env);
  return token === undefined ? {} : { authorization: `Bearer ${token}` };
}
