/**
 * The one error type of the OpenAI-compatible API: it knows its HTTP status, its OpenAI error
 * body `{"error":{"message","type","param","code"}}` and any extra headers (Retry-After).
 * Engine errors (LlmError) map onto it with `fromEngineError`.
 */
import { LlmError } from '../llm/engine.js';

export type ApiErrorType = 'invalid_request_error' | 'authentication_error' | 'not_found_error' | 'server_error' | 'unavailable_error';

export interface OpenAiErrorBody {
  error: { message: string; type: ApiErrorType; param: string | null; code: string | null };
}

/** Seconds a client should wait before retrying a busy server. */
export const RETRY_AFTER_SECONDS = 1;

export class ApiError extends Error {
  /** Set on refusals the server's log records (what was refused and why); most 400s are not logged. */
  logged = false;

  constructor(
    readonly status: number,
    message: string,
    readonly type: ApiErrorType,
    readonly code: string | null = null,
    readonly param: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  body(): OpenAiErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }

  response(): Response {
    return new Response(JSON.stringify(this.body()), {
      status: this.status,
      headers: { 'content-type': 'application/json', ...this.headers },
    });
  }

  static badRequest(message: string, param: string | null = null, code: string | null = null): ApiError {
    return new ApiError(400, message, 'invalid_request_error', code, param);
  }

  /** A 400 for input refused to protect the server (a bound passed): logged as well as answered. */
  static refusal(message: string, param: string | null, code: string): ApiError {
    const err = ApiError.badRequest(message, param, code);
    err.logged = true;
    return err;
  }

  static unauthorized(message: string): ApiError {
    return new ApiError(401, message, 'invalid_request_error', 'invalid_api_key');
  }

  static modelNotFound(model: string, message?: string): ApiError {
    return new ApiError(
      404,
      message ?? `The model '${model}' does not exist or you do not have access to it.`,
      'invalid_request_error',
      'model_not_found',
      'model',
    );
  }

  static notFound(message: string, code = 'unknown_url'): ApiError {
    return new ApiError(404, message, 'invalid_request_error', code);
  }

  static busy(message: string): ApiError {
    return new ApiError(503, message, 'server_error', 'server_busy', null, { 'retry-after': String(RETRY_AFTER_SECONDS) });
  }

  static loading(): ApiError {
    return new ApiError(503, 'Loading models', 'unavailable_error', 'loading', null, { 'retry-after': String(RETRY_AFTER_SECONDS) });
  }

  static server(message: string): ApiError {
    return new ApiError(500, message, 'server_error', 'server_error');
  }
}

/** An engine failure as an API error; anything unexpected is a 500 that says what happened. */
export function fromEngineError(err: unknown, model: string, requestSignal?: AbortSignal): ApiError {
  if (err instanceof ApiError) return err;
  // the client went away: nobody reads this answer, but /metrics counts it apart (nginx's 499)
  if (requestSignal?.aborted) return new ApiError(499, 'the client closed the request', 'invalid_request_error', 'client_closed');
  if (err instanceof LlmError) {
    switch (err.kind) {
      case 'invalid-input':
        // the engine names a request field as 'field': … when one is at fault (a grammar, a token id)
        return ApiError.badRequest(err.message, /^'([\w.[\]]+)': /.exec(err.message)?.[1] ?? null, 'invalid_value');
      case 'model-not-supported':
        // the engine's message names server paths; clients get the model name only
        return ApiError.modelNotFound(model);
      case 'busy':
        return ApiError.busy(err.message);
      default:
        return ApiError.server(err.message);
    }
  }
  return ApiError.server(`internal error: ${err instanceof Error ? err.message : String(err)}`);
}
