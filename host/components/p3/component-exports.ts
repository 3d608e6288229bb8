/**
 * The names a component binary exports at its top level (`wasi:http/handler@0.3.0`), read
 * before transpiling: a WASIp3 component must go to jco 1.35 (transpile-p3.ts), which the
 * pinned jco 1.15 cannot even parse.
 */
import { Reader } from '../wasm-binary.js';

const EXPORT_SECTION = 11;

function isComponent(bytes: Uint8Array): boolean {
  const preamble = [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];
  return bytes.length >= 8 && preamble.every((b, i) => bytes[i] === b);
}

/** Skips an `externdesc` (as in component-imports.ts). */
function skipExternDesc(r: Reader): void {
  const sort = r.byte();
  if (sort === 0x00) {
    r.byte();
    r.leb();
  } else if (sort === 0x02 || sort === 0x03) {
    if (r.byte() === 0x00 || sort === 0x02) r.leb();
  } else {
    r.leb();
  }
}

export function componentExportNames(bytes: Uint8Array): string[] {
  if (!isComponent(bytes)) return [];
  const r = new Reader(bytes, 8);
  const names: string[] = [];
  while (r.pos < bytes.length) {
    const id = r.byte();
    const size = r.leb();
    const end = r.pos + size;
    if (end > bytes.length) throw new Error('truncated component binary');
    if (id === EXPORT_SECTION) {
      for (let n = r.leb(); n > 0; n--) {
        const form = r.byte();
        names.push(r.string());
        if (form === 0x01) r.string();
        // sortidx: a sort (core sorts carry a second byte), then an index
        if (r.byte() === 0x00) r.byte();
        r.leb();
        if (r.byte() === 0x01) skipExternDesc(r);
      }
    }
    r.pos = end;
  }
  return names;
}

/** The interfaces whose export makes a component a WASIp3 HTTP handler. */
export const P3_HANDLER = /^wasi:http\/handler@0\.3\.0(?:-rc-2026-03-15)?$/;

export function isP3Component(bytes: Uint8Array): boolean {
  return componentExportNames(bytes).some((name) => P3_HANDLER.test(name));
}
