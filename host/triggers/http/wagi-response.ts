/**
 * A WAGI command's stdout as an HTTP response, by Spin's rules (crates/http/src/wagi/mod.rs
 * `compose_response`): header lines up to the first blank line (CRs dropped), then the body.
 * `content-type` or `location` or `status` must be there; `location` without `status`
 * means 302; `status` is "CODE" or "CODE reason". A later header of the same name wins.
 */

export type WagiResponse = { ok: true; status: number; headers: Array<[string, string]>; body: Uint8Array } | { ok: false; problem: string };

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function split(stdout: Uint8Array): { head: string; body: Uint8Array } {
  const head: number[] = [];
  let last = -1;
  for (let i = 0; i < stdout.length; i++) {
    const b = stdout[i]!;
    if (b === 13) continue;
    if (b === 10 && last === 10) return { head: Buffer.from(head).toString('utf8'), body: stdout.subarray(i + 1) };
    last = b;
    head.push(b);
  }
  // No blank line: Spin takes everything as body and finds no headers.
  return { head: '', body: stdout.filter((b) => b !== 13) };
}

export function parseWagiResponse(stdout: Uint8Array): WagiResponse {
  if (stdout.length === 0) return { ok: false, problem: 'it is configured to use the WAGI executor but did not write to stdout' };
  const { head, body } = split(stdout);
  const fields = new Map<string, [string, string]>();
  for (const line of head.trim().split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue; // Spin skips a corrupt header line.
    const name = line.slice(0, colon).trim();
    fields.set(name.toLowerCase(), [name, line.slice(colon + 1).trim()]);
  }
  let status = 200;
  let explicitStatus = false;
  let sufficient = false;
  const headers: Array<[string, string]> = [];
  for (const [lower, [, value]] of fields) {
    if (lower === 'status') {
      sufficient = true;
      explicitStatus = true;
      const code = Number(value.split(' ')[0]);
      status = Number.isInteger(code) && code >= 100 && code <= 999 ? code : 502;
    } else if (lower === 'content-type' || lower === 'location') {
      sufficient = true;
      headers.push([lower, value]);
    } else if (TOKEN.test(lower)) {
      headers.push([lower, value]);
    }
  }
  if (fields.has('location') && !explicitStatus) status = 302;
  if (!sufficient) return { ok: false, problem: "Exactly one of 'location' or 'content-type' must be specified" };
  return { ok: true, status, headers, body };
}
