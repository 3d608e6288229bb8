/**
 * SIGINT/SIGTERM for the long-running commands: close gracefully (stop listening, let the
 * workers and engines go), but never for longer than STOP_GRACE_MS. A thread inside a
 * native call cannot be stopped from JavaScript, and Node's exit waits for every worker
 * thread, so a guest's statement that is still running (it is bounded only by its
 * request's deadline) would hold the process. Past the grace the signal is raised again
 * with no handler installed: the process ends as an unhandled SIGTERM ends it.
 */
export const STOP_GRACE_MS = 4000;

export function stopOnSignals(close: () => Promise<void>, log: (line: string) => void = (l) => console.error(l)): void {
  const stop = (signal: NodeJS.Signals) => {
    const timer = setTimeout(() => {
      log(`still closing after ${STOP_GRACE_MS} ms (a guest call has not returned); stopping now`);
      process.kill(process.pid, signal);
    }, STOP_GRACE_MS);
    void close().then(
      () => process.exit(0),
      (err: unknown) => {
        clearTimeout(timer);
        log(`error while closing: ${(err as Error).message ?? String(err)}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
