/**
 * Which spin:postgres/postgres version a component imports. jco names an interface the
 * component imports in one version only without its version, and @3.0.0 and @4.x differ
 * in their types (an enum against a variant of column types, query-failed's payload), so
 * the guest side must know which it serves. The import names are plain strings in the
 * component's binary (its import section and its type sections).
 */
import { readFile } from 'node:fs/promises';
import type { SpinPostgresMajor } from './api.js';
import { isP3Component } from '../../components/p3/component-exports.js';

const NAME = /spin:postgres\/postgres@(\d+)\.\d+\.\d+/g;

/** The majors named in the binary; empty when it names none (or is not readable). */
export function importedMajors(wasm: Uint8Array): Set<number> {
  const text = Buffer.from(wasm.buffer, wasm.byteOffset, wasm.byteLength).toString('latin1');
  return new Set([...text.matchAll(NAME)].map((m) => Number(m[1])));
}

/**
 * 3 when the component names @3, otherwise 4. jco (1.15) merges the versions of one
 * interface into one import object, so a component naming @3 and @4 cannot be served:
 * that is an error naming both.
 */
export async function spinPostgresMajor(wasmPath: string): Promise<SpinPostgresMajor> {
  let wasm: Uint8Array;
  try {
    wasm = await readFile(wasmPath);
  } catch {
    return 4; // not there yet (a build step makes it); the import check reads it later
  }
  const majors = importedMajors(wasm);
  // The WASIp3 SDK worlds import both; spin-ts does not serve postgres to p3 guests yet
  // (their calls fail, components/p3/imports-p3.ts), so there is no version to choose.
  if (isP3Component(wasm)) return 4;
  if (majors.has(3) && [...majors].some((m) => m >= 4)) {
    throw new TwoVersionsError(
      `it imports spin:postgres/postgres in two versions (${[...majors]
        .sort()
        .map((m) => `@${m}`)
        .join(', ')}), and spin-ts serves one version of an interface per component`,
    );
  }
  return majors.has(3) ? 3 : 4;
}

export class TwoVersionsError extends Error {}
