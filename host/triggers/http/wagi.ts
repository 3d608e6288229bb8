/** Runs a request on a WAGI component (worker side): CGI environment and argv, the body on stdin, the response from stdout. */
import { COMMAND_EXPORT, type CommandInstance } from '../../components/command-glue.js';
import type { ExecutionContext } from '../../components/executor.js';
import { BufferSource } from '../../wasi/io.js';
import { PulledBody } from './pulled-body.js';
import type { HttpRequestPayload } from './request.js';
import { wagiArgv, wagiEnvironment } from './wagi-env.js';
import { parseWagiResponse } from './wagi-response.js';

/** What a WAGI request carries besides the request (the trigger's `argv`). */
export interface WagiPayload extends HttpRequestPayload {
  argv: string;
}

export function runWagi(instance: Record<string, any>, ctx: ExecutionContext): void {
  const req = ctx.payload as WagiPayload;
  const command = instance[COMMAND_EXPORT] as CommandInstance;
  // Spin reads the whole body first: CONTENT_LENGTH is its length.
  const body = new PulledBody(ctx.callRequest, req.bodyPrefix, req.bodyComplete).readAll();
  const chunks: Uint8Array[] = [];
  command.run({
    args: wagiArgv(req.argv, req.pathWithQuery),
    environment: wagiEnvironment(req, body.length),
    stdin: new BufferSource(body),
    stdout: { write: (bytes) => void chunks.push(bytes) },
  });
  // An error result of run() is answered like success, as Spin does: it only logs it.
  const res = parseWagiResponse(Buffer.concat(chunks));
  if (!res.ok) throw new Error(res.problem);
  ctx.response.setHead(res.status, res.headers);
  if (res.body.length > 0) ctx.response.write(res.body);
  ctx.response.flush(true);
}
