/**
 * A rendered chat (node-llama-cpp's LlamaText) as the prompt string the engine tokenizes: what
 * chat.ts sends for a chat and tool-calls.ts for a chat with tools.
 */
import { SpecialToken, SpecialTokensText, type LlamaModel, type LlamaText } from 'node-llama-cpp';

/** LlamaText → the string that tokenizes (with special tokens on) to the same tokens. */
export function llamaTextToPrompt(text: LlamaText, model: Pick<LlamaModel, 'tokens'>): string {
  return text.values
    .map((v) => {
      if (typeof v === 'string') return v;
      if (v instanceof SpecialTokensText) return v.value;
      if (v instanceof SpecialToken) {
        if (v.value === 'BOS') return model.tokens.bosString ?? '';
        if (v.value === 'EOS') return model.tokens.eosString ?? '';
        if (v.value === 'EOT') return model.tokens.eotString ?? '';
        if (v.value === 'NL') return model.tokens.nlString ?? '\n';
      }
      return '';
    })
    .join('');
}
