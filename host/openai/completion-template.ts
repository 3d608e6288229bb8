/**
 * The model table's `completion_template`: a Jinja template that wraps the raw `prompt` of
 * POST /v1/completions before it reaches the model, as aikit's and LocalAI's `completion`
 * template does (theirs are Go templates over `.Input`; ours are Jinja over `prompt`). It sees
 * `prompt` and `system_prompt` (the model's, or ""). Spin's `llm.infer` is not templated: a
 * Spin app sends the exact prompt it wants.
 *
 * Every template is compiled and rendered on a sample prompt at start; one that cannot stops
 * the start naming the model.
 */
import { Template } from '@huggingface/jinja';
import type { ModelTableEntry } from '../llm/runtime-config.js';
import { isGoTemplate } from '../llm/local/template-setting.js';

/** Renders a request's prompt through the model's template. */
export type CompletionTemplate = (prompt: string) => string;

const SAMPLE_PROMPT = 'Say hello.';

export function compileCompletionTemplate(source: string, systemPrompt = ''): CompletionTemplate {
  if (isGoTemplate(source)) {
    throw new Error(
      'this is a Go template ({{.Input}}, as aikit and LocalAI write them); completion templates are Jinja, since npm has no maintained ' +
        'Go-template engine. Rewrite it over `prompt`, e.g. "### Instruction:\\n{{ prompt }}\\n### Response:\\n"',
    );
  }
  const template = new Template(source);
  const render: CompletionTemplate = (prompt) => template.render({ prompt, system_prompt: systemPrompt });
  const sample = render(SAMPLE_PROMPT);
  if (!sample.includes(SAMPLE_PROMPT)) throw new Error("the rendered prompt does not contain the request's prompt: write {{ prompt }} where it goes");
  return render;
}

/** At start: every model's `completion_template`, compiled; throws naming the model and the reason. */
export function completionTemplates(models: Readonly<Record<string, ModelTableEntry>>, configPath?: string): Map<string, CompletionTemplate> {
  const out = new Map<string, CompletionTemplate>();
  for (const [name, entry] of Object.entries(models)) {
    if (entry.completionTemplate === undefined) continue;
    try {
      out.set(name, compileCompletionTemplate(entry.completionTemplate, entry.systemPrompt));
    } catch (err) {
      throw new Error(`${configPath ?? 'runtime config'}: llm_models.${name}.completion_template cannot render: ${(err as Error).message}`);
    }
  }
  return out;
}
