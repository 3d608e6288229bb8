/**
 * OpenAI tool calling, the request side: `tools` (functions only) and `tool_choice` ("none",
 * "auto", "required" or {"type":"function","function":{"name"}}), checked into the engine's
 * ChatTools. "none" (or no tools) leaves the tools out of the prompt.
 */
import type { ChatTools, ToolFunction } from '../llm/engine.js';
import { ApiError } from './errors.js';
import { enforceableSchema } from './schema-support.js';
import { describeValue, isJsonObject, type Fields } from './request.js';

/** OpenAI's own cap on `tools`: each one is documented in the prompt and is an alternative of the name grammar. */
export const MAX_TOOLS = 128;

/** OpenAI's rule for function names. */
const NAME = /^[A-Za-z0-9_-]{1,64}$/;

function bad(param: string, message: string): ApiError {
  return ApiError.badRequest(`'${param}': ${message}`, param, 'invalid_value');
}

function readFunction(v: unknown, i: number): ToolFunction {
  const param = `tools[${i}]`;
  if (!isJsonObject(v)) throw bad(param, `expected {"type":"function","function":{…}}, got ${describeValue(v)}`);
  if (v.type !== 'function') throw bad(`${param}.type`, `only "function" tools are supported, got ${describeValue(v.type)}`);
  const fn = v.function;
  if (!isJsonObject(fn)) throw bad(`${param}.function`, `expected {name, description?, parameters?}, got ${describeValue(fn)}`);
  if (typeof fn.name !== 'string' || !NAME.test(fn.name))
    throw bad(`${param}.function.name`, `expected 1–64 letters, digits, _ or -, got ${describeValue(fn.name)}`);
  if (fn.description !== undefined && fn.description !== null && typeof fn.description !== 'string')
    throw bad(`${param}.function.description`, `expected a string, got ${describeValue(fn.description)}`);
  if (fn.parameters !== undefined && fn.parameters !== null && !isJsonObject(fn.parameters))
    throw bad(`${param}.function.parameters`, `expected a JSON schema object, got ${describeValue(fn.parameters)}`);
  // the arguments are generated under a grammar made from this schema (grammar-limits.ts)
  const parameters =
    isJsonObject(fn.parameters) && Object.keys(fn.parameters).length > 0 ? enforceableSchema(fn.parameters, `${param}.function.parameters`) : undefined;
  if (fn.strict !== undefined && fn.strict !== null && typeof fn.strict !== 'boolean')
    throw bad(`${param}.function.strict`, `expected true or false, got ${describeValue(fn.strict)}`);
  return {
    name: fn.name,
    ...(typeof fn.description === 'string' ? { description: fn.description } : {}),
    ...(parameters ? { parameters } : {}),
  };
}

export function readTools(f: Fields): ChatTools | undefined {
  const raw = f.raw('tools');
  if (raw !== undefined && !Array.isArray(raw)) throw bad('tools', `expected a list of tools, got ${describeValue(raw)}`);
  if (raw !== undefined && raw.length > MAX_TOOLS)
    throw ApiError.refusal(`'tools': ${raw.length} tools is more than this server accepts (at most ${MAX_TOOLS})`, 'tools', 'too_many_tools');
  const functions = (raw ?? []).map(readFunction);
  const seen = new Set<string>();
  functions.forEach((fn, i) => {
    if (seen.has(fn.name)) throw bad(`tools[${i}].function.name`, `the name "${fn.name}" is given twice`);
    seen.add(fn.name);
  });

  const choice = f.raw('tool_choice');
  if (choice === undefined || choice === 'auto') return functions.length > 0 ? { functions, choice: 'auto' } : undefined;
  if (choice === 'none') return undefined;
  if (choice === 'required') {
    if (functions.length === 0) throw bad('tool_choice', '"required" needs at least one tool in \'tools\'');
    return { functions, choice: 'required' };
  }
  if (isJsonObject(choice)) {
    if (choice.type !== 'function') throw bad('tool_choice.type', `expected "function", got ${describeValue(choice.type)}`);
    const name = isJsonObject(choice.function) ? choice.function.name : undefined;
    if (typeof name !== 'string') throw bad('tool_choice.function.name', `expected a function name, got ${describeValue(name)}`);
    if (!seen.has(name)) throw bad('tool_choice.function.name', `no tool in 'tools' is named ${JSON.stringify(name)}`);
    return { functions, choice: { name } };
  }
  throw bad('tool_choice', `expected "none", "auto", "required" or {"type":"function","function":{"name"}}, got ${describeValue(choice)}`);
}
