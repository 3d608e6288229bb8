/** Responses the host itself gives (404, 413, 508, health, info …), in the shape a guest's response has, so one writer sends both. */
import type { GuestResponse } from '../../components/pool.js';

/** `text` with its content type; no text is an empty body with no content type. */
export function hostAnswer(status: number, text = '', type = 'text/plain; charset=UTF-8'): GuestResponse {
  const bytes = new TextEncoder().encode(text);
  return {
    status,
    headers: text ? [['content-type', type]] : [],
    length: bytes.length,
    body: new ReadableStream({
      start(c) {
        if (bytes.length > 0) c.enqueue(bytes);
        c.close();
      },
    }),
  };
}

export function hostJson(status: number, value: unknown): GuestResponse {
  return hostAnswer(status, JSON.stringify(value), 'application/json');
}
