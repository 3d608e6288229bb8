/** How the CLI reports a failure: one short message, exit code 1, never a stack trace for a user error. */
const USER_ERRORS = new Set(['ManifestError', 'ComponentError', 'VariablesError', 'CliError', 'BuildError']);

export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

export function reportAndExit(err: unknown): never {
  const e = err as Error;
  if (e && USER_ERRORS.has(e.name)) console.error(`Error: ${e.message}`);
  else if (process.env.SPIN_TS_DEBUG) console.error(e);
  else console.error(`Error: ${e?.message ?? String(err)}`);
  process.exit(1);
}
