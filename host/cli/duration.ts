/** Parses Spin-style durations: `500ms`, `5s`, `2m`, `1h`, or a bare number of seconds. */
const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new Error(`'${text}' is not a duration: use e.g. 500ms, 5s, 2m`);
  const ms = Number(m[1]) * UNITS[m[2] ?? 's'];
  if (!(ms > 0)) throw new Error(`'${text}' must be longer than zero`);
  return Math.round(ms);
}
