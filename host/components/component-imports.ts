/**
 * The names a component binary imports, exactly as written in it (`fermyon:spin/redis@2.0.0`,
 * `wasi:io/streams@0.2.3`). jco's list drops the version of an interface imported in one
 * version only, which hides a Spin 2 `redis@2.0.0` behind Spin 1's unversioned `redis`;
 * the import check needs the versions. Reads the top-level import sections only.
 */
import { Reader } from './wasm-binary.js';

const IMPORT_SECTION = 10;

/** Whether `bytes` starts with a component's preamble (magic, version 0x0d, layer 1). */
function isComponent(bytes: Uint8Array): boolean {
  const preamble = [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];
  return bytes.length >= 8 && preamble.every((b, i) => bytes[i] === b);
}

/** Skips an `externdesc` (what kind of thing is imported, by type index or bound). */
function skipExternDesc(r: Reader): void {
  const sort = r.byte();
  switch (sort) {
    case 0x00: // core module: 0x11 then its core type index
      r.byte();
      r.leb();
      return;
    case 0x01: // func
    case 0x04: // component
    case 0x05: // instance
      r.leb();
      return;
    case 0x02: // value: a bound, then a value index or a value type
    case 0x03: // type: 0x00 and a type index (eq), or 0x01 (sub resource)
      if (r.byte() === 0x00 || sort === 0x02) r.leb();
      return;
    default:
      throw new Error(`unknown import kind 0x${sort.toString(16)} in component binary`);
  }
}

/** Every top-level import name of the component in `bytes`, in binary order. */
export function componentImportNames(bytes: Uint8Array): string[] {
  if (!isComponent(bytes)) throw new Error('not a WebAssembly component');
  const r = new Reader(bytes, 8);
  const names: string[] = [];
  while (r.pos < bytes.length) {
    const id = r.byte();
    const size = r.leb();
    const end = r.pos + size;
    if (end > bytes.length) throw new Error('truncated component binary');
    if (id === IMPORT_SECTION) {
      for (let n = r.leb(); n > 0; n--) {
        const form = r.byte();
        names.push(r.string());
        if (form === 0x01) r.string(); // a version suffix (or, in older binaries, a URL)
        skipExternDesc(r);
      }
    }
    r.pos = end;
  }
  return names;
}
