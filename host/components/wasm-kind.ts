/** Tells a component from a core module (or from something that is not WebAssembly) by its header. */
import { open } from 'node:fs/promises';
import { SPIN1_HANDLER_EXPORT } from './spin1-module.js';

export type WasmKind = 'component' | 'core-module' | 'not-wasm';

/** `\0asm`, then a 4-byte version: 1 (core module) or 0x0d with layer 1 (component). */
export function wasmKind(header: Uint8Array): WasmKind {
  if (header.length < 8 || header[0] !== 0 || header[1] !== 0x61 || header[2] !== 0x73 || header[3] !== 0x6d) return 'not-wasm';
  if (header[6] === 1 && header[7] === 0) return 'component';
  if (header[4] === 1 && header[5] === 0 && header[6] === 0 && header[7] === 0) return 'core-module';
  return 'not-wasm';
}

export async function wasmKindOfFile(path: string): Promise<WasmKind> {
  const fh = await open(path, 'r');
  try {
    const header = new Uint8Array(8);
    const { bytesRead } = await fh.read(header, 0, 8, 0);
    return wasmKind(header.subarray(0, bytesRead));
  } finally {
    await fh.close();
  }
}

/**
 * What a core module is: Spin 1.x's HTTP ABI (exports handle-http-request), a WASI preview1
 * command (WAGI: exports _start), a module that carries its own world (a component-type
 * section, written by wit-bindgen 0.5 and later), or none of these.
 */
export type CoreModuleKind = 'spin1-http' | 'wasi-command' | 'bindgen-module' | 'other';

export function coreModuleKind(exports: readonly string[], hasComponentType = false): CoreModuleKind {
  if (exports.includes(SPIN1_HANDLER_EXPORT)) return 'spin1-http';
  if (hasComponentType) return 'bindgen-module';
  if (exports.includes('_start')) return 'wasi-command';
  return 'other';
}
