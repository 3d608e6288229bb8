/**
 * A Responses API request (POST /v1/responses) read as the chat request it amounts to, so the one
 * parameter rule (params.ts) and the chat checks apply unchanged: `input` (a string, or a list of
 * message, function_call and function_call_output items) and `instructions` become messages,
 * `max_output_tokens` max_completion_tokens, `text.format` response_format, the flat function
 * tools chat's nested ones. An error found by the chat checks is reported under the Responses
 * field's name (`input[3].content`, `tools[0].name`, …).
 */
import { ApiError } from './errors.js';
import { describeValue, isJsonObject, type JsonObject } from './request.js';

/** Responses fields with no chat counterpart: accepted at these values only. */
const NO_OP_ONLY: readonly { field: string; noOp: (v: unknown) => boolean; why: string }[] = [
  { field: 'previous_response_id', noOp: () => false, why: 'responses are not stored; send the whole conversation in input' },
  { field: 'conversation', noOp: () => false, why: 'conversations are not stored; send the whole conversation in input' },
  { field: 'prompt', noOp: () => false, why: 'stored prompts are not supported' },
  { field: 'background', noOp: (v) => v === false, why: 'background responses are not supported' },
  { field: 'reasoning', noOp: (v) => isJsonObject(v) && Object.values(v).every((x) => x === null), why: 'reasoning is not adjustable on these models' },
  { field: 'include', noOp: (v) => Array.isArray(v) && v.length === 0, why: 'no extra output data can be included' },
  { field: 'truncation', noOp: (v) => v === 'disabled', why: 'only "disabled" (a prompt longer than the context is an error)' },
  { field: 'top_logprobs', noOp: (v) => v === 0, why: 'log probabilities are returned on /v1/chat/completions only' },
];

/** Chat-only fields that have another name (or no place) here. */
const CHAT_ONLY = ['messages', 'max_tokens', 'max_completion_tokens', 'response_format', 'logprobs', 'n', 'functions', 'function_call', 'stream_options'];

export interface TranslatedRequest {
  /** The chat body. */
  body: JsonObject;
  /** Rewrites a chat field name in an error to the Responses one. */
  rename: (err: ApiError) => ApiError;
}

function bad(param: string, message: string): ApiError {
  return ApiError.badRequest(`'${param}': ${message}`, param, 'invalid_value');
}

function contentParts(v: unknown, param: string): unknown {
  if (typeof v === 'string' || !Array.isArray(v)) return v; // the chat checks name a bad type
  return v.map((part, j) => {
    if (isJsonObject(part) && (part.type === 'input_text' || part.type === 'output_text')) return { type: 'text', text: part.text };
    if (isJsonObject(part) && typeof part.type === 'string')
      throw ApiError.badRequest(
        `'${param}[${j}].type': only "input_text" and "output_text" parts are supported, got ${describeValue(part.type)}`,
        `${param}[${j}].type`,
        'unsupported_content',
      );
    throw bad(`${param}[${j}]`, `expected a content part object, got ${describeValue(part)}`);
  });
}

export function translateResponsesRequest(src: JsonObject): TranslatedRequest {
  for (const rule of NO_OP_ONLY) {
    const v = src[rule.field];
    if (v !== undefined && v !== null && !rule.noOp(v))
      throw ApiError.badRequest(`'${rule.field}': ${describeValue(v)} cannot be honoured: ${rule.why}`, rule.field, 'unsupported_value');
  }
  const body: JsonObject = { ...src };
  for (const k of [
    ...CHAT_ONLY,
    'input',
    'instructions',
    'max_output_tokens',
    'text',
    'previous_response_id',
    'conversation',
    'include',
    'truncation',
    'reasoning',
  ])
    delete body[k];

  // messages, and where each came from
  const messages: JsonObject[] = [];
  const from: string[] = [];
  const kinds: ('message' | 'call' | 'output')[] = [];
  const instructions = src.instructions;
  if (instructions !== undefined && instructions !== null) {
    if (typeof instructions !== 'string') throw bad('instructions', `expected a string, got ${describeValue(instructions)}`);
    messages.push({ role: 'system', content: instructions });
    from.push('instructions');
    kinds.push('message');
  }
  const input = src.input;
  if (input === undefined || input === null)
    throw ApiError.badRequest("'input' is required: a string or a list of items", 'input', 'missing_required_parameter');
  if (typeof input === 'string') {
    messages.push({ role: 'user', content: input });
    from.push('input');
    kinds.push('message');
  } else if (Array.isArray(input)) {
    if (input.length === 0) throw bad('input', 'must not be empty');
    input.forEach((item, i) => {
      const param = `input[${i}]`;
      if (!isJsonObject(item)) throw bad(param, `expected an item object, got ${describeValue(item)}`);
      const type = item.type ?? 'message';
      if (type === 'message') {
        messages.push({ role: item.role, content: contentParts(item.content, `${param}.content`) });
        from.push(param);
        kinds.push('message');
      } else if (type === 'function_call') {
        for (const k of ['call_id', 'name', 'arguments'] as const)
          if (typeof item[k] !== 'string') throw bad(`${param}.${k}`, `expected a string, got ${describeValue(item[k])}`);
        const call = { id: item.call_id, type: 'function', function: { name: item.name, arguments: item.arguments } };
        const last = messages.at(-1);
        // a call right after an assistant message (or another call) belongs to that turn
        if (last?.role === 'assistant') last.tool_calls = [...((last.tool_calls as unknown[]) ?? []), call];
        else {
          messages.push({ role: 'assistant', content: null, tool_calls: [call] });
          from.push(param);
          kinds.push('call');
        }
      } else if (type === 'function_call_output') {
        if (typeof item.call_id !== 'string') throw bad(`${param}.call_id`, `expected a string, got ${describeValue(item.call_id)}`);
        if (typeof item.output !== 'string') throw bad(`${param}.output`, `expected a string, got ${describeValue(item.output)}`);
        messages.push({ role: 'tool', tool_call_id: item.call_id, content: item.output });
        from.push(param);
        kinds.push('output');
      } else {
        throw ApiError.badRequest(
          `'${param}.type': "message", "function_call" and "function_call_output" items are supported, got ${describeValue(type)}`,
          `${param}.type`,
          'unsupported_value',
        );
      }
    });
  } else throw bad('input', `expected a string or a list of items, got ${describeValue(input)}`);
  body.messages = messages;

  if (src.max_output_tokens !== undefined) body.max_completion_tokens = src.max_output_tokens;

  const text = src.text;
  if (text !== undefined && text !== null) {
    if (!isJsonObject(text)) throw bad('text', `expected an object, got ${describeValue(text)}`);
    if (text.verbosity !== undefined && text.verbosity !== null) body.verbosity = text.verbosity;
    const format = text.format;
    if (format !== undefined && format !== null) {
      if (!isJsonObject(format)) throw bad('text.format', `expected an object, got ${describeValue(format)}`);
      // Responses' json_schema format is flat: {type, name, schema, strict}
      body.response_format =
        format.type === 'json_schema' ? { type: 'json_schema', json_schema: { name: format.name, schema: format.schema, strict: format.strict } } : format;
    }
  }

  if (Array.isArray(src.tools)) {
    body.tools = src.tools.map((t) =>
      isJsonObject(t) && t.type === 'function'
        ? { type: 'function', function: { name: t.name, description: t.description, parameters: t.parameters, strict: t.strict } }
        : t,
    );
  }
  const choice = src.tool_choice;
  if (isJsonObject(choice) && choice.type === 'function') body.tool_choice = { type: 'function', function: { name: choice.name } };

  const rename = (err: ApiError): ApiError => {
    const param = err.param;
    if (!param) return err;
    let to = param
      .replace(/^max_completion_tokens/, 'max_output_tokens')
      .replace(/^response_format\.json_schema\./, 'text.format.')
      .replace(/^response_format/, 'text.format')
      .replace(/^verbosity/, 'text.verbosity')
      .replace(/^tools\[(\d+)\]\.function\./, 'tools[$1].')
      .replace(/^tool_choice\.function\./, 'tool_choice.')
      .replace(/^messages$/, 'input');
    to = to.replace(/^messages\[(\d+)\](.*)$/, (_m, k: string, rest: string) => {
      const kind = kinds[Number(k)];
      if (kind === 'output') rest = rest.replace(/^\.content/, '.output').replace(/^\.tool_call_id/, '.call_id');
      if (kind === 'call') rest = rest.replace(/^\.tool_calls\[\d+\]\.function\./, '.').replace(/^\.tool_calls\[\d+\]\.id/, '.call_id');
      return `${from[Number(k)] ?? 'input'}${rest}`;
    });
    if (to === param) return err;
    return new ApiError(err.status, err.message.split(`'${param}`).join(`'${to}`), err.type, err.code, to, err.headers);
  };
  return { body, rename };
}
