/**
 * Bounds on what one call may move, so a runaway guest gets a clear `other(...)` error
 * instead of exhausting the host. Spin buffers at most 128 MiB per result; a guest here
 * has a 512 MiB memory cap by default and a value crosses a thread, so ours are smaller.
 */
export const MAX_KEY_BYTES = 64 * 1024;
export const MAX_VALUE_BYTES = 16 * 1024 * 1024;
/** get-keys / list-keys / get-many: total bytes of keys (and values) one call returns. */
export const MAX_RESULT_BYTES = 64 * 1024 * 1024;
/** Stores one guest instance may hold open at once (Spin's table capacity). */
export const STORE_TABLE_CAPACITY = 256;

const MiB = 1024 * 1024;

function size(n: number): string {
  return n >= MiB ? `${n / MiB} MiB` : `${n / 1024} KiB`;
}

/** The message for a key over MAX_KEY_BYTES, or undefined. */
export function keyTooLarge(key: string): string | undefined {
  const bytes = Buffer.byteLength(key);
  return bytes > MAX_KEY_BYTES ? `key is ${bytes} bytes; the limit is ${size(MAX_KEY_BYTES)}` : undefined;
}

export function valueTooLarge(value: Uint8Array): string | undefined {
  return value.byteLength > MAX_VALUE_BYTES ? `value is ${value.byteLength} bytes; the limit is ${size(MAX_VALUE_BYTES)}` : undefined;
}

export function resultTooLarge(bytes: number): string {
  return `the result would be over ${size(MAX_RESULT_BYTES)} (${bytes} bytes so far); read fewer keys at once`;
}
