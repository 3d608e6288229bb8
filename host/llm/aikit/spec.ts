/**
 * aikit's inference spec (`apiVersion: v1alpha1`, the YAML aikit builds images from), read as
 * written into model-table entries for `spin-ts models serve --models-config aikit.yaml`
 * (docs/ai.md, "aikit"):
 *
 * - `models[]`: `name`, `source` (an http(s) URL, an `hf:` URI or a local file beside the YAML),
 *   `sha256`, `promptTemplates[]` (`name`, `template`: Go templates, named by the config);
 * - `config` (LocalAI model configs, a YAML list, usually a block string): `name` (the name the
 *   model is served under), `backend`, `parameters` (`model`: the file it serves, `temperature`,
 *   `top_k`, `top_p`, `max_tokens`), `context_size`, `gpu_layers`, `system_prompt`, `roles`,
 *   `template` (`chat_message`, `chat`, `completion`: promptTemplates names);
 * - `runtime`, `backends`, `debug`: aikit's image build; logged as without effect here.
 *
 * The chat prompt is built as LocalAI builds it (core/templates/evaluator.go): each message
 * through `chat_message` (fields .RoleName, .Role — its `roles` entry —, .Content, .SystemPrompt,
 * .MessageIndex, .LastMessage), a message rendering empty skipped, the rest joined with "\n",
 * then wrapped by `chat` (.Input, .SystemPrompt, .SuppressSystemPrompt); without `chat_message`,
 * each message is its `roles` prefix followed by its content. That becomes one Jinja
 * `chat_template` (go-template.ts); a construct outside the supported subset stops the start
 * naming it.
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { Template } from '@huggingface/jinja';
import yaml from 'js-yaml';
import { UserError } from '../../user-error.js';
import { hfUrl, isHfUri, parseHfUri } from '../local/hf-source.js';
import { isValidModelTableName, MODEL_NAME_RULE, type ModelTableEntry } from '../runtime-config.js';
import { GoTemplateError, goTemplateToJinja, jinjaString, parseGoTemplate, type FieldMap } from './go-template.js';

export interface AikitModels {
  /** Model-table entries by served name. */
  models: Record<string, ModelTableEntry>;
  /** What was read but has no effect here, one line each, for the start log. */
  notes: string[];
}

type Obj = Record<string, unknown>;

const TOP_KEYS = new Set(['apiVersion', 'debug', 'runtime', 'backends', 'models', 'config']);
const MODEL_KEYS = new Set(['name', 'source', 'sha256', 'promptTemplates']);
const RUNTIMES = new Set(['avx', 'avx2', 'avx512', 'cuda', 'applesilicon']);
const LLAMA_BACKENDS = new Set(['llama', 'llama-cpp', 'llama.cpp']);
/** LocalAI config keys read here; the others are noted as without effect. */
const CONFIG_KEYS = new Set(['name', 'backend', 'parameters', 'context_size', 'gpu_layers', 'system_prompt', 'roles', 'template']);
const PARAMETER_KEYS = new Set(['model', 'temperature', 'top_k', 'top_p', 'max_tokens']);
const TEMPLATE_KEYS = new Set(['chat_message', 'chat', 'completion']);

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** aikit's documented example writes its strings as \"…\" (copied out of a Go string): read them as the text inside. */
function unescapeQuoted(v: unknown): unknown {
  if (typeof v === 'string' && v.length >= 4 && v.startsWith('\\"') && v.endsWith('\\"')) return v.slice(2, -2);
  if (Array.isArray(v)) return v.map(unescapeQuoted);
  if (isObj(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unescapeQuoted(x)]));
  return v;
}

class Reader {
  constructor(readonly file: string) {}

  fail(where: string, problem: string): never {
    throw new UserError(`${this.file}: ${where}: ${problem}`);
  }

  string(o: Obj, key: string, where: string, required = false): string | undefined {
    const v = o[key];
    if (v === undefined || v === null) return required ? this.fail(where, `missing required key "${key}"`) : undefined;
    if (typeof v !== 'string') this.fail(`${where}.${key}`, `expected a string, got ${JSON.stringify(v)}`);
    return v;
  }

  number(o: Obj, key: string, where: string, integer = false): number | undefined {
    const v = o[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v) || (integer && !Number.isInteger(v)))
      this.fail(`${where}.${key}`, `expected ${integer ? 'an integer' : 'a number'}, got ${JSON.stringify(v)}`);
    return v;
  }

  list(v: unknown, where: string): unknown[] {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) this.fail(where, `expected a list, got ${JSON.stringify(v)}`);
    return v;
  }
}

interface SpecModel {
  name: string;
  location: { path: string } | { sourceUrl: string };
  /** The file name the source names (what a config's parameters.model refers to). */
  fileName: string;
  sha256?: string;
}

/** Reads an aikit spec file into model-table entries; a UserError names the field or construct it cannot take. */
export async function readAikitFile(file: string): Promise<AikitModels> {
  const path = resolve(file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new UserError(`--models-config: cannot read ${path}: ${(err as Error).message}`);
  }
  return readAikitSpec(text, path);
}

export function readAikitSpec(text: string, file: string): AikitModels {
  const r: Reader = new Reader(file);
  let doc: unknown;
  try {
    doc = yaml.load(text);
  } catch (err) {
    r.fail('YAML', (err as Error).message.split('\n')[0]!);
  }
  if (!isObj(doc)) return r.fail('the file', "expected aikit's spec (a YAML mapping with apiVersion: v1alpha1 and models)");
  const notes: string[] = [];
  for (const key of Object.keys(doc)) if (!TOP_KEYS.has(key)) r.fail(key, `not a key of aikit's v1alpha1 inference spec (${[...TOP_KEYS].join(', ')})`);
  if (doc.apiVersion !== 'v1alpha1') r.fail('apiVersion', `only v1alpha1 (aikit's inference spec) is read, got ${JSON.stringify(doc.apiVersion)}`);
  if (doc.runtime !== undefined) {
    if (typeof doc.runtime !== 'string' || !RUNTIMES.has(doc.runtime))
      r.fail('runtime', `expected one of ${[...RUNTIMES].join(', ')}, got ${JSON.stringify(doc.runtime)}`);
    notes.push(`runtime: ${doc.runtime} picks aikit's image; here --gpu chooses (auto: CUDA or Metal when usable)`);
  }
  const backends = r.list(doc.backends, 'backends');
  if (backends.length > 0)
    notes.push(`backends: ${backends.map(String).join(', ')} are aikit's extra backends: not served here (GGUF models through llama.cpp only)`);
  if (doc.debug !== undefined) notes.push('debug: without effect (the log is always on)');

  const specModels = r.list(doc.models, 'models').map((m, i) => readModel(r, m, `models[${i}]`, dirname(file)));
  if (specModels.length === 0) r.fail('models', 'lists no model');
  const templates = new Map<string, string>();
  r.list(doc.models, 'models').forEach((m, i) => {
    for (const [j, t] of r.list((m as Obj).promptTemplates, `models[${i}].promptTemplates`).entries()) {
      const where = `models[${i}].promptTemplates[${j}]`;
      if (!isObj(t)) r.fail(where, 'expected {name, template}');
      templates.set(r.string(t, 'name', where, true)!, r.string(t, 'template', where, true)!);
    }
  });

  let configs = doc.config;
  if (typeof configs === 'string') {
    try {
      configs = yaml.load(configs);
    } catch (err) {
      r.fail('config', `its YAML does not parse: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  const configList = r.list(unescapeQuoted(configs), 'config');

  const models: Record<string, ModelTableEntry> = {};
  const served = new Set<SpecModel>();
  configList.forEach((c, i) => {
    const where = `config[${i}]`;
    if (!isObj(c)) r.fail(where, 'expected a LocalAI model config (name, backend, parameters, …)');
    const name = r.string(c, 'name', where, true)!;
    const backend = r.string(c, 'backend', where);
    if (backend !== undefined && !LLAMA_BACKENDS.has(backend)) {
      notes.push(`${where} '${name}': backend ${backend} is not served here (llama.cpp only); skipped`);
      return;
    }
    for (const key of Object.keys(c)) if (!CONFIG_KEYS.has(key)) notes.push(`${where}.${key}: without effect here`);
    const params = c.parameters === undefined ? {} : c.parameters;
    if (!isObj(params)) r.fail(`${where}.parameters`, 'expected a mapping');
    for (const key of Object.keys(params)) if (!PARAMETER_KEYS.has(key)) notes.push(`${where}.parameters.${key}: without effect here`);
    const file = r.string(params, 'model', `${where}.parameters`);
    const model =
      specModels.find((m) => file !== undefined && (m.fileName === file || m.name === file)) ??
      (file === undefined ? specModels.find((m) => m.name === name) : undefined);
    if (!model)
      r.fail(
        `${where}.parameters.model`,
        `names ${JSON.stringify(file ?? name)}, which is no model's source file (${specModels.map((m) => m.fileName).join(', ')})`,
      );
    served.add(model);
    checkName(r, name, `${where}.name`);
    if (models[name]) r.fail(`${where}.name`, `the name '${name}' is given twice`);
    models[name] = entryFor(r, model, c, params, templates, where);
  });
  for (const m of specModels) {
    if (served.has(m)) continue;
    checkName(r, m.name, 'models[].name');
    if (models[m.name]) r.fail('models[].name', `the name '${m.name}' is also a config's`);
    models[m.name] = { ...m.location, ...(m.sha256 ? { sha256: m.sha256 } : {}), kind: 'completion' };
  }
  return { models, notes };
}

function checkName(r: Reader, name: string, where: string): void {
  if (!isValidModelTableName(name)) r.fail(where, `the model name ${JSON.stringify(name)} may hold ${MODEL_NAME_RULE}`);
}

function readModel(r: Reader, m: unknown, where: string, baseDir: string): SpecModel {
  if (!isObj(m)) r.fail(where, 'expected {name, source, sha256, promptTemplates}');
  for (const key of Object.keys(m)) if (!MODEL_KEYS.has(key)) r.fail(`${where}.${key}`, `not a key of an aikit model (${[...MODEL_KEYS].join(', ')})`);
  const name = r.string(m, 'name', where, true)!;
  const source = r.string(m, 'source', where, true)!;
  const sha256 = r.string(m, 'sha256', where);
  if (sha256 !== undefined && !/^[0-9a-fA-F]{64}$/.test(sha256)) r.fail(`${where}.sha256`, 'expected 64 hex digits');
  let location: SpecModel['location'];
  let fileName: string;
  if (isHfUri(source)) {
    try {
      const hf = parseHfUri(source);
      location = { sourceUrl: hfUrl(hf) };
      fileName = basename(hf.file);
    } catch (err) {
      r.fail(`${where}.source`, (err as Error).message);
    }
  } else if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(source)) {
    const url = new URL(source);
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      r.fail(`${where}.source`, `${url.protocol}// sources (aikit's OCI and registry sources) are not downloaded here; use an http(s) URL or a local file`);
    location = { sourceUrl: url.href };
    fileName = basename(decodeURIComponent(url.pathname));
  } else {
    location = { path: resolve(baseDir, source) };
    fileName = basename(source);
  }
  return { name, location, fileName, ...(sha256 ? { sha256: sha256.toLowerCase() } : {}) };
}

function entryFor(r: Reader, model: SpecModel, c: Obj, params: Obj, templates: Map<string, string>, where: string): ModelTableEntry {
  const defaults: NonNullable<ModelTableEntry['defaults']> = {};
  const temperature = r.number(params, 'temperature', `${where}.parameters`);
  const topK = r.number(params, 'top_k', `${where}.parameters`, true);
  const topP = r.number(params, 'top_p', `${where}.parameters`);
  if (temperature !== undefined) defaults.temperature = temperature;
  if (topK !== undefined) defaults.topK = topK;
  if (topP !== undefined) defaults.topP = topP;
  const maxTokens = r.number(params, 'max_tokens', `${where}.parameters`, true);
  const contextSize = r.number(c, 'context_size', where, true);
  const gpuLayers = r.number(c, 'gpu_layers', where, true);
  const systemPrompt = r.string(c, 'system_prompt', where) ?? '';
  const roles = c.roles === undefined ? {} : c.roles;
  if (!isObj(roles) || Object.values(roles).some((v) => typeof v !== 'string')) r.fail(`${where}.roles`, 'expected a mapping of role → prefix');
  const template = c.template === undefined ? {} : c.template;
  if (!isObj(template)) r.fail(`${where}.template`, 'expected a mapping (chat_message, chat, completion)');
  for (const key of Object.keys(template))
    if (!TEMPLATE_KEYS.has(key)) r.fail(`${where}.template.${key}`, `not supported (only ${[...TEMPLATE_KEYS].join(', ')})`);
  const named = (key: string): string | undefined => {
    const n = r.string(template, key, `${where}.template`);
    if (n === undefined) return undefined;
    const t = templates.get(n);
    if (t === undefined) r.fail(`${where}.template.${key}`, `names the template ${JSON.stringify(n)}, which no model's promptTemplates has`);
    return t;
  };
  let chatTemplate: string | undefined;
  let completionTemplate: string | undefined;
  const chatMessage = named('chat_message');
  const chat = named('chat');
  const completion = named('completion');
  try {
    if (chatMessage !== undefined || chat !== undefined || Object.keys(roles).length > 0) {
      const t = { chatMessage, chat, roles: roles as Record<string, string>, systemPrompt };
      chatTemplate = chatJinja(t);
      const lost = lostMessages(chatTemplate);
      if (lost.length > 0) {
        // node-llama-cpp's chat wrapper refuses a template that leaves messages out, and rightly: the model would never see them
        const bySystemPrompt = systemPrompt !== '' && lostMessages(chatJinja({ ...t, systemPrompt: '' })).length === 0;
        r.fail(
          `${where}.template`,
          `the chat prompt it builds leaves out the content of ${lost.join(' and ')} messages` +
            (bySystemPrompt
              ? `: while system_prompt is set, {{if .SystemPrompt}}{{.SystemPrompt}}… writes the system prompt in place of each message (LocalAI renders it so, and the model never sees the chat). Remove system_prompt from ${where}, or write .SystemPrompt only for the system message, e.g. {{if and .SystemPrompt (eq .RoleName "system")}}`
              : '; write {{.Content}} for every role'),
        );
      }
    }
  } catch (err) {
    if (err instanceof GoTemplateError) r.fail(`${where}.template.${chatMessage !== undefined ? 'chat_message' : 'chat'}`, err.message);
    throw err;
  }
  try {
    if (completion !== undefined) completionTemplate = completionJinja(completion, systemPrompt);
  } catch (err) {
    if (err instanceof GoTemplateError) r.fail(`${where}.template.completion`, err.message);
    throw err;
  }
  return {
    ...model.location,
    ...(model.sha256 ? { sha256: model.sha256 } : {}),
    kind: 'completion',
    ...(chatTemplate !== undefined ? { chatTemplate } : {}),
    ...(completionTemplate !== undefined ? { completionTemplate } : {}),
    ...(contextSize !== undefined ? { contextSize } : {}),
    ...(gpuLayers !== undefined ? { gpuLayers } : {}),
    ...(maxTokens !== undefined ? { maxTokens } : {}),
    ...(Object.keys(defaults).length > 0 ? { defaults } : {}),
  };
}

/** The roles whose message content the chat template does not write, on a sample chat. */
function lostMessages(jinja: string): string[] {
  const sample = [
    { role: 'system', content: 'SYSTEM-7f3a' },
    { role: 'user', content: 'USER-91c2' },
    { role: 'assistant', content: 'ASSISTANT-4d8e' },
    { role: 'user', content: 'USER-b5e0' },
  ];
  const text = new Template(jinja).render({ messages: sample, add_generation_prompt: true });
  return [...new Set(sample.filter((m) => !text.includes(m.content)).map((m) => m.role))];
}

/** A role's `roles` prefix, as a Jinja expression over `message.role`. */
function roleExpr(roles: Record<string, string>): string {
  let out = '""';
  for (const [role, prefix] of Object.entries(roles).reverse()) out = `(${jinjaString(prefix)} if message.role == ${jinjaString(role)} else ${out})`;
  return out;
}

/** LocalAI's chat prompt as one Jinja chat template (see the file comment). */
export function chatJinja(t: { chatMessage?: string | undefined; chat?: string | undefined; roles: Record<string, string>; systemPrompt: string }): string {
  const system = jinjaString(t.systemPrompt);
  const content = '(message.content or "")';
  const messageFields: FieldMap = (name) =>
    ({
      RoleName: 'message.role',
      Role: roleExpr(t.roles),
      Content: content,
      SystemPrompt: system,
      MessageIndex: 'loop.index0',
      LastMessage: 'loop.last',
      FunctionName: '(message.name or "")',
      Function: 'false',
    })[name];
  const message =
    t.chatMessage !== undefined ? goTemplateToJinja(parseGoTemplate(t.chatMessage), messageFields, 'chat_message') : `(${roleExpr(t.roles)} ~ ${content})`;
  // without chat_message, a system message printed as is means the chat template leaves out the config's system prompt
  const suppress = t.chatMessage === undefined ? '{%- if message.role == "system" and message.content -%}{%- set ns.suppress = true -%}{%- endif -%}' : '';
  const chatFields: FieldMap = (name) =>
    ({ Input: 'ns.input', SystemPrompt: system, SuppressSystemPrompt: 'ns.suppress', Instruction: '""', MessageIndex: '0' })[name];
  const wrapped = t.chat !== undefined ? goTemplateToJinja(parseGoTemplate(t.chat), chatFields, 'chat') : 'ns.input';
  return (
    '{%- set ns = namespace(input="", n=0, suppress=false) -%}' +
    '{%- for message in messages -%}' +
    `{%- set m = ${message} -%}` +
    suppress +
    '{%- if m != "" -%}{%- if ns.n > 0 -%}{%- set ns.input = ns.input ~ "\\n" -%}{%- endif -%}{%- set ns.input = ns.input ~ m -%}{%- set ns.n = ns.n + 1 -%}{%- endif -%}' +
    '{%- endfor -%}' +
    `{{- ${wrapped} -}}`
  );
}

/** LocalAI's completion template (.Input, .SystemPrompt) as the model table's Jinja completion_template (prompt, system_prompt). */
export function completionJinja(source: string, systemPrompt: string): string {
  const fields: FieldMap = (name) => ({ Input: 'prompt', SystemPrompt: jinjaString(systemPrompt), Instruction: '""' })[name];
  return `{{- ${goTemplateToJinja(parseGoTemplate(source), fields, 'completion')} -}}`;
}
