/**
 * Best-effort mapping from a dotted field path (`component.hello.source`,
 * `trigger.http[1].route`) back to a line and column in the TOML text.
 * smol-toml keeps no positions, so this searches the text for the keys in order.
 */

export type FieldSegment = string | number;

export interface Position {
  line: number;
  column: number;
}

/** Appends a key or list index to a dotted field path. */
export function joinField(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  const part = /^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key);
  return parent ? `${parent}.${part}` : part;
}

/** Splits a field path made by joinField into keys and indexes. */
export function splitField(field: string): FieldSegment[] {
  const out: FieldSegment[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|\[(\d+)\]|([^.[\]"]+)/g;
  for (const m of field.matchAll(re)) {
    if (m[1] !== undefined) out.push(JSON.parse(`"${m[1]}"`) as string);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else if (m[3] !== undefined) out.push(m[3]);
  }
  return out;
}

/**
 * Position of the field, or of its nearest enclosing field that can be found
 * (useful for a missing key: points at its table). Undefined when nothing matches.
 */
export function locateField(text: string, field: string): Position | undefined {
  const segments = splitField(field);
  for (let n = segments.length; n > 0; n--) {
    const offset = findPath(text, segments.slice(0, n));
    if (offset !== undefined) return positionOf(text, offset);
  }
  return undefined;
}

function findPath(text: string, segments: FieldSegment[]): number | undefined {
  let from = 0;
  let found = -1;
  let prevKey: string | undefined;
  for (const [i, seg] of segments.entries()) {
    if (typeof seg === 'number') {
      if (prevKey === undefined || found < 0) return undefined;
      for (let k = 0; k < seg; k++) {
        const next = findKey(text, prevKey, found + 1, false);
        if (next < 0) return undefined;
        found = next;
      }
    } else {
      const at = findKey(text, seg, from, i === 0);
      if (at < 0) return undefined;
      found = at;
      prevKey = seg;
    }
    from = found + 1;
  }
  return found < 0 ? undefined : found;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Offset of `key` used as a TOML key (bare or quoted) at or after `from`; -1 if none. */
function findKey(text: string, key: string, from: number, topLevel: boolean): number {
  const k = escapeRegExp(key);
  const token = `(?:"${k}"|'${k}'${/^[A-Za-z0-9_-]+$/.test(key) ? `|${k}` : ''})`;
  const before = topLevel ? '(?<=^[ \\t]*(?:\\[\\[?[ \\t]*)?)' : '(?<=^|[\\s{,.\\[])';
  const re = new RegExp(`${before}${token}(?=[ \\t]*[=.\\]])`, 'gm');
  re.lastIndex = from;
  const m = re.exec(text);
  return m ? m.index : -1;
}

function positionOf(text: string, offset: number): Position {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - (before.lastIndexOf('\n') + 1) + 1;
  return { line, column };
}
