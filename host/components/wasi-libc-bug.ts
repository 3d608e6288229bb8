/**
 * WASI command modules whose libc predates wasi-sdk 19 (clang < 15.0.7) carry a dlmalloc that
 * takes the whole memory at its first malloc as its heap (wasi-libc #377). Adapted into a
 * component, such a module shares its memory with the preview1 adapter, whose state page is
 * grown before the module's first malloc: malloc later hands that page out, and the adapter
 * traps on its corrupted state — in practice once the guest allocates about 128 KiB. Spin
 * refuses these modules; spin-ts warns at start and runs them (small handlers work), so a
 * user sees the cause instead of a bare 500. Modules without a producers section (stripped)
 * cannot be told apart.
 */
import { createHash } from 'node:crypto';
import { producers } from './wasm-binary.js';

const FIRST_SAFE_CLANG: [number, number, number] = [15, 0, 7];

function olderThanSafe(version: string): boolean {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(version.trim());
  if (!m) return false;
  const v = [Number(m[1]), Number(m[2]), Number(m[3])];
  for (let i = 0; i < 3; i++) if (v[i] !== FIRST_SAFE_CLANG[i]) return v[i]! < FIRST_SAFE_CLANG[i]!;
  return false;
}

/** The clang that built the module's libc ("clang 14.0.0", "Debian clang 14.0.6"), when it is one with the bug. */
export function wasiLibc377Clang(wasm: Uint8Array): string | undefined {
  for (const [name, version] of producers(wasm).get('processed-by') ?? []) {
    const text = `${name} ${version}`;
    const m = /(?:^|\s)clang\s+(\d+\.\d+\.\d+)/.exec(text);
    if (m && olderThanSafe(m[1]!)) return text;
  }
  return undefined;
}

/** Modules already warned of, by content, per log (one `up` has one log). */
const warned = new WeakMap<(line: string) => void, Set<string>>();

/**
 * Logs the warning for a module with the bug once per module: an app whose components share
 * one module (a file server on 23 routes) gets one line, naming the first component.
 */
export function warnOfWasiLibc377(log: (line: string) => void, componentId: string, sourceAsWritten: string, wasm: Uint8Array): void {
  const clang = wasiLibc377Clang(wasm);
  if (!clang) return;
  const key = createHash('sha256').update(wasm).digest('hex');
  let seen = warned.get(log);
  if (!seen) warned.set(log, (seen = new Set()));
  if (seen.has(key)) return;
  seen.add(key);
  log(
    `component ${componentId}: warning: ${sourceAsWritten} was built with ${clang}, whose wasi-libc (before wasi-sdk 19) claims memory the WASI adapter uses (wasi-libc #377): it traps once it allocates about 128 KiB. Spin refuses such modules; rebuild it with wasi-sdk 19 or later (or a Rust toolchain whose wasm32-wasi libc is that recent). (Said once for every component using this module.)`,
  );
}
