/** A model file's SHA-256, shared by the registry (verifying a local file) and the downloader (checking what it fetched). */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** Streamed SHA-256 of a file, lowercase hex. */
export function sha256File(path: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const hash = createHash('sha256');
    createReadStream(path, { highWaterMark: 1024 * 1024 })
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolvePromise(hash.digest('hex')));
  });
}
