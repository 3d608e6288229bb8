/**
 * Writes a guest's response to the client with exactly the guest's headers: no default
 * content-type, and only what HTTP/1.1 framing needs — `content-length` when the guest had
 * finished its body by the time it sent the head (so an empty body is `content-length: 0`,
 * as Spin sends), otherwise chunked transfer-encoding. Node adds `date` and the
 * `connection`/`keep-alive` pair, as hyper (Spin) adds `date`.
 */
import type { ServerResponse } from 'node:http';
import type { GuestResponse } from '../../components/pool.js';

/** Statuses that never carry a body (RFC 9110 §6.4.1). */
function bodiless(status: number): boolean {
  return status < 200 || status === 204 || status === 304;
}

/** Resolves when the client has taken what was written, or is gone. */
function drained(out: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      out.off('drain', done);
      out.off('close', done);
      resolve();
    };
    out.on('drain', done);
    out.on('close', done);
  });
}

export async function sendGuestResponse(out: ServerResponse, res: GuestResponse, method: string): Promise<void> {
  const flat: string[] = [];
  let framed = false;
  for (const [name, value] of res.headers) {
    const lower = name.toLowerCase();
    if (lower === 'content-length' || lower === 'transfer-encoding') framed = true;
    flat.push(name, value);
  }
  if (!framed && res.length !== undefined && !bodiless(res.status)) flat.push('content-length', String(res.length));
  out.writeHead(res.status, flat);
  if (method === 'HEAD' || bodiless(res.status)) {
    void res.body.cancel().catch(() => {});
    out.end();
    return;
  }
  const reader = res.body.getReader();
  const clientGone = () => void reader.cancel().catch(() => {});
  out.once('close', clientGone);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!out.write(value)) await drained(out);
      if (out.destroyed) return;
    }
    out.end();
  } catch {
    // The guest failed mid-body (the pool logged why): cut the response off so the client sees it incomplete.
    out.destroy();
  } finally {
    out.off('close', clientGone);
  }
}
