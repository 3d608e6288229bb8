/** Sends large request bodies over node:http without holding them in memory: one 64 KiB block, written again and again, as the socket drains. */
import { request, type IncomingHttpHeaders } from 'node:http';

export interface UploadResult {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

export interface UploadOptions {
  method?: string;
  /** Send Content-Length (default) or stream chunked with none. */
  chunked?: boolean;
  /** Send this Content-Length but no body at all (to see the host refuse before reading). */
  declareOnly?: number;
}

const BLOCK = Buffer.alloc(64 * 1024, 0x61);

export function upload(url: string, bytes: number, opts: UploadOptions = {}): Promise<UploadResult> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (opts.declareOnly !== undefined) headers['content-length'] = String(opts.declareOnly);
    else if (!opts.chunked) headers['content-length'] = String(bytes);
    const req = request(url, { method: opts.method ?? 'POST', headers });
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      res.on('error', reject);
    });
    // A host that answers early (413) closes the connection while we still write: that is not a failure.
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    if (opts.declareOnly !== undefined) return void req.flushHeaders();
    let sent = 0;
    const pump = () => {
      while (sent < bytes && !req.destroyed) {
        const n = Math.min(BLOCK.length, bytes - sent);
        sent += n;
        if (!req.write(n === BLOCK.length ? BLOCK : BLOCK.subarray(0, n))) return void req.once('drain', pump);
      }
      if (!req.destroyed) req.end();
    };
    pump();
  });
}

/** Resident memory of a process, in bytes (Linux /proc). */
export async function rssOf(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const m = /VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for process ${pid}`);
  return Number(m[1]) * 1024;
}
