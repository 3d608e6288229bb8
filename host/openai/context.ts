/** What the API handlers share: the engine (the same instance the app's components use) and a log. */
import { randomBytes } from 'node:crypto';
import type { LlmEngine } from '../llm/engine.js';
import type { CompletionTemplate } from './completion-template.js';
import type { RequestLimits } from './limits.js';
import type { TokenCaps } from './max-tokens.js';

export interface ApiContext {
  engine: () => Promise<LlmEngine>;
  log: (line: string) => void;
  /** Unix seconds reported as `created` for models (the server's start). */
  startedAt: number;
  /** Size limits on generation requests (limits.ts). */
  limits: RequestLimits;
  /** The models' completion templates (completion-template.ts), by model name. */
  completionTemplates: ReadonlyMap<string, CompletionTemplate>;
  /** The server's caps on generated tokens (max-tokens.ts). */
  tokenCaps: TokenCaps;
}

/** `chatcmpl-…`, `cmpl-…`: a prefix and 24 random base-62-ish characters. */
export function completionId(prefix: string): string {
  return `${prefix}-${randomBytes(18).toString('base64url').replace(/[-_]/g, 'x')}`;
}

export function unixSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** `call_…`: a tool call's id, as OpenAI writes them. */
export function toolCallId(): string {
  return `call_${randomBytes(18).toString('base64url').replace(/[-_]/g, 'x')}`;
}
