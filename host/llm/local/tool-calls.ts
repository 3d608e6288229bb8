/**
 * Tool calls on a local model, in node-llama-cpp's chat-wrapper syntax: each wrapper (ChatML,
 * Llama 3.x, Qwen, Functionary, a Jinja template, …) says how its model writes a call —
 * `settings.functions.call`: a prefix, the function name, a params prefix, the JSON arguments,
 * a suffix (ChatML's general syntax: `||call: name({"a": 1})`). The wrapper renders the offered
 * functions and past calls and results into the prompt (chat.ts); here the answer is generated in
 * up to three steps on our own token loop, each constrained by a grammar, so nothing is parsed:
 *
 *  1. `auto` only: the answer, with the call prefix as an extra stop string. Ended by anything
 *     else, it is a plain answer; ended by the prefix, the model has begun a call.
 *  2. The name: a grammar allowing only the offered names (skipped when the choice names one).
 *  3. The arguments: a grammar made from the function's parameter schema (any JSON object
 *     without one); the text is the call's `arguments`.
 * `required` and a named choice start at step 2 and 3: the prompt is made to end with the call prefix.
 * One call per answer (parallel calls are not generated).
 */
import { LlamaText, type ChatWrapper, type LlamaModel, type Token } from 'node-llama-cpp';
import type { ChatTools, InferOptions, InferParams, InferResult, OutputConstraint } from '../engine.js';
import { llamaTextToPrompt } from './llama-text-prompt.js';

export interface CallSyntax {
  /** The text that begins a call, e.g. `||call: `. */
  prefix: string;
  /** Between the name and the arguments, e.g. `(`. */
  paramsPrefix: string;
  /** Stop strings that mean "a call begins" (the prefix and the wrapper's alternates, trailing space trimmed). */
  starts: string[];
}

export function callSyntax(wrapper: ChatWrapper, model: Pick<LlamaModel, 'tokens'>): CallSyntax {
  const call = wrapper.settings.functions.call;
  const text = (t: string | LlamaText): string => llamaTextToPrompt(LlamaText(t), model);
  const prefix = text(call.prefix);
  const alternates = (call.prefixAlternateMatches ?? []).map((t) => text(t));
  const starts = [...new Set([prefix, ...alternates].map((s) => s.trimEnd()).filter((s) => s.length > 0))];
  return { prefix, paramsPrefix: text(call.paramsPrefix), starts };
}

/** A GBNF string literal. */
function gbnfLiteral(s: string): string {
  return JSON.stringify(s);
}

/** What a chat with tools needs from the engine: tokenizing a prompt tail, and generating. */
export interface ToolChatRun {
  model: LlamaModel;
  wrapper: ChatWrapper;
  /** The rendered prompt (tools documented), ending where the answer begins. */
  promptTokens: Token[];
  /** maxTokens is set; stop holds the request's and the template's stop strings. */
  params: InferParams;
  options: InferOptions;
  run: (tokens: Token[], params: InferParams, options: InferOptions) => Promise<InferResult>;
}

export async function chatWithTools(tools: ChatTools, r: ToolChatRun): Promise<InferResult> {
  const syntax = callSyntax(r.wrapper, r.model);
  const { onToolCall, onToolArguments, ...baseOptions } = r.options;
  const names = tools.functions.map((f) => f.name);
  let generated = 0;
  let content = '';
  // log probabilities cover the content only (the call is generated under grammars)
  let contentLogprobs: InferResult['logprobs'] = r.params.logprobs !== undefined ? [] : undefined;
  const { logprobs: _asked, ...callParams } = r.params;

  // 1. auto: a plain answer, unless the model writes the call prefix
  if (tools.choice === 'auto') {
    const first = await r.run(r.promptTokens, { ...r.params, stop: [...(r.params.stop ?? []), ...syntax.starts] }, baseOptions);
    if (first.stoppedBy === undefined || !syntax.starts.includes(first.stoppedBy)) return first;
    generated += first.generatedTokens;
    content = first.text;
    contentLogprobs = first.logprobs;
  }
  // the name and arguments are not content: they are reported through onToolCall / onToolArguments
  const quiet: InferOptions = { ...baseOptions };
  delete quiet.onText;
  const tail = (text: string): Token[] => [...r.promptTokens, ...r.model.tokenize(content + text, true, 'trimLeadingSpace')];
  const left = (): number => r.params.maxTokens - generated;
  const done = (finishReason: InferResult['finishReason'], toolCalls: { name: string; arguments: string }[]): InferResult => ({
    text: content,
    promptTokens: r.promptTokens.length,
    generatedTokens: generated,
    finishReason,
    toolCalls,
    ...(contentLogprobs ? { logprobs: contentLogprobs } : {}),
  });
  const cut = (partial: { name: string; arguments: string }[]): InferResult => done('length', partial);

  // 2. the name: forced by the choice, or chosen among the offered ones by a grammar
  let name: string;
  if (typeof tools.choice === 'object') name = tools.choice.name;
  else if (names.length === 1) name = names[0]!;
  else {
    if (left() <= 0) return cut([]);
    const grammar: OutputConstraint = { type: 'gbnf', grammar: `root ::= ${names.map(gbnfLiteral).join(' | ')}`, param: 'tools' };
    const step = await r.run(tail(syntax.prefix), { ...callParams, maxTokens: left(), stop: [], constraint: grammar }, quiet);
    generated += step.generatedTokens;
    if (!names.includes(step.text)) return cut([]);
    name = step.text;
  }
  await onToolCall?.(0, name);

  // 3. the arguments, following the function's parameter schema
  if (left() <= 0) return cut([{ name, arguments: '' }]);
  const fn = tools.functions.find((f) => f.name === name)!;
  const index = tools.functions.indexOf(fn);
  const schema: OutputConstraint = fn.parameters
    ? { type: 'json_schema', schema: fn.parameters, param: `tools[${index}].function.parameters` }
    : { type: 'json', param: `tools[${index}].function.parameters` };
  // node-llama-cpp's JSON grammars end with newlines: they are not part of the arguments, so
  // trailing whitespace is streamed only once more text follows it
  let held = '';
  const streamArguments = (chunk: string): unknown => {
    const all = held + chunk;
    const end = all.length - (/\s*$/.exec(all)?.[0].length ?? 0);
    held = all.slice(end);
    return end > 0 ? onToolArguments?.(0, all.slice(0, end)) : undefined;
  };
  const args = await r.run(
    tail(syntax.prefix + name + syntax.paramsPrefix),
    { ...callParams, maxTokens: left(), stop: [], constraint: schema },
    { ...quiet, ...(onToolArguments ? { onText: streamArguments } : {}) },
  );
  generated += args.generatedTokens;
  const call = { name, arguments: args.text.trimEnd() };
  return args.finishReason === 'stop' ? done('tool_calls', [call]) : cut([call]);
}
