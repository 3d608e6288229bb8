/** How the CLI reports a failure: one short message, exit code 1, never a stack trace for a user error. */
import { UserError } from '../user-error.js';

export class CliError extends UserError {}

export function reportAndExit(err: unknown): never {
  const e = err as Error;
  if (e instanceof UserError) console.error(`Error: ${e.message}`);
  else if (process.env.SPIN_TS_DEBUG) console.error(e);
  else console.error(`Error: ${e?.message ?? String(err)}`);
  process.exit(1);
}
