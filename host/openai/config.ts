/** The runtime-config section the OpenAI-compatible API owns: `[openai] api_keys`. */
import type { RuntimeConfigSectionOwner } from '../app/runtime-config.js';
import type { FieldReader, Table } from '../app/toml-fields.js';
import { joinField } from '../app/toml-locate.js';

export interface OpenAiRuntimeConfig {
  apiKeys: string[];
}

export const openAiRuntimeConfig: RuntimeConfigSectionOwner = {
  name: 'openai',
  sections: ['openai'],
  read: (r, raw): OpenAiRuntimeConfig => readOpenai(r, raw),
};

function readOpenai(r: FieldReader, raw: Table): { apiKeys: string[] } {
  const t = r.optTable(raw, 'openai', '');
  if (!t) return { apiKeys: [] };
  r.checkKeys(t, 'openai', ['api_keys']);
  const apiKeys = r.stringList(t, 'api_keys', 'openai');
  for (const [i, key] of apiKeys.entries()) {
    if (key.trim() === '') r.fail(joinField('openai.api_keys', i), 'must not be empty', 'Remove the empty key or fill it in.');
  }
  return { apiKeys };
}
