/**
 * The model table's `chat_template` value, classified without loading node-llama-cpp (so that
 * startup checks stay cheap): a Jinja string (it holds `{{` or `{%`), a named template, or
 * absent (the GGUF's own).
 */
import type { SpecializedChatWrapperTypeName } from 'node-llama-cpp';
import { LlmError } from '../engine.js';

/** Names accepted in `chat_template` (lowercase) → node-llama-cpp's wrapper type. */
export const NAMED_TEMPLATES: Readonly<Record<string, SpecializedChatWrapperTypeName>> = Object.freeze({
  llama2: 'llama2Chat',
  'llama2-chat': 'llama2Chat',
  llama3: 'llama3',
  'llama3.1': 'llama3.1',
  'llama3.2': 'llama3.2-lightweight',
  chatml: 'chatML',
  mistral: 'mistral',
  gemma: 'gemma',
  alpaca: 'alpacaChat',
  falcon: 'falconChat',
  functionary: 'functionary',
  qwen: 'qwen',
  deepseek: 'deepSeek',
  general: 'general',
});

/** `{{.Field}}`, `{{- .Field}}`, `{{if .X}}`, `{{range .X}}`: Go's text/template, never Jinja (where `.x` cannot start an expression). */
const GO_TEMPLATE = /\{\{-?\s*(?:(?:if|range|with|template)\s+)?\.[A-Za-z]/;

export function isGoTemplate(source: string): boolean {
  return GO_TEMPLATE.test(source);
}

export type TemplateSetting = { type: 'gguf' } | { type: 'jinja'; template: string } | { type: 'named'; name: SpecializedChatWrapperTypeName };

/** Classify a `chat_template` value; throws LlmError('invalid-input') naming the known names. */
export function parseTemplateSetting(value: string | undefined): TemplateSetting {
  if (value === undefined) return { type: 'gguf' };
  if (isGoTemplate(value)) {
    throw new LlmError(
      'invalid-input',
      'this is a Go template ({{.Input}}, as aikit and LocalAI write them); only Jinja chat templates are rendered, since npm has no maintained ' +
        'Go-template engine (the packages there cover a subset). Rewrite it in Jinja over `messages`, e.g. "{% for m in messages %}{{ m.content }}{% endfor %}"',
    );
  }
  if (value.includes('{{') || value.includes('{%')) return { type: 'jinja', template: value };
  const name = NAMED_TEMPLATES[value.trim().toLowerCase()];
  if (!name) {
    throw new LlmError('invalid-input', `unknown chat_template "${value}": use a Jinja template string or one of ${Object.keys(NAMED_TEMPLATES).join(', ')}`);
  }
  return { type: 'named', name };
}
