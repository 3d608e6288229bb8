/** wasi:cli — ours: the environment is per component (manifest `environment` and `-e`), and stdio goes to the host log. */
import { EMPTY_SOURCE, InputStream, OutputStream, type ByteSink } from './io.js';

/** Thrown by wasi:cli/exit; the worker turns it into a normal return (status 0) or a trap. */
export class GuestExit extends Error {
  constructor(readonly ok: boolean) {
    super(ok ? 'guest exited' : 'guest exited with an error status');
  }
}

/** Collects bytes into lines and hands each complete line to `emit`, prefixed. */
export class LineSink implements ByteSink {
  private pending = '';
  private readonly decoder = new TextDecoder();
  constructor(private readonly emit: (line: string) => void) {}
  write(bytes: Uint8Array): void {
    this.pending += this.decoder.decode(bytes, { stream: true });
    let nl: number;
    while ((nl = this.pending.indexOf('\n')) >= 0) {
      this.emit(this.pending.slice(0, nl));
      this.pending = this.pending.slice(nl + 1);
    }
    // A guest that never writes a newline still gets its output out, in bounded pieces.
    if (this.pending.length >= MAX_PARTIAL_LINE) this.finish();
  }
  /**
   * The guest's flush keeps a partial line: the preview1 adapter flushes after every write
   * call, so unbuffered output (Rust's stderr, C's unbuffered streams) arrives in pieces of
   * a line; they are joined and the line goes out at its newline, or at finish().
   */
  flush(): void {}
  /** Emits what is left of a line (the request ended, or the line grew past the bound). */
  finish(): void {
    if (this.pending.length > 0) {
      this.emit(this.pending);
      this.pending = '';
    }
  }
}

/** The longest partial line a LineSink holds before it emits it anyway. */
export const MAX_PARTIAL_LINE = 16 * 1024;

export interface CliOptions {
  environment: Array<[string, string]>;
  stdout: ByteSink;
  stderr: ByteSink;
}

export function cliImports(opts: CliOptions): Record<string, object> {
  const none = (): undefined => undefined;
  class TerminalInput {}
  class TerminalOutput {}
  return {
    'wasi:cli/environment': {
      getEnvironment: () => opts.environment,
      getArguments: () => [],
      initialCwd: () => '/',
    },
    'wasi:cli/exit': {
      exit: (status: { tag: 'ok' | 'err' }) => {
        throw new GuestExit(status.tag === 'ok');
      },
    },
    'wasi:cli/stdin': { getStdin: () => new InputStream(EMPTY_SOURCE) },
    'wasi:cli/stdout': { getStdout: () => new OutputStream(opts.stdout) },
    'wasi:cli/stderr': { getStderr: () => new OutputStream(opts.stderr) },
    'wasi:cli/terminal-input': { TerminalInput },
    'wasi:cli/terminal-output': { TerminalOutput },
    'wasi:cli/terminal-stdin': { getTerminalStdin: none },
    'wasi:cli/terminal-stdout': { getTerminalStdout: none },
    'wasi:cli/terminal-stderr': { getTerminalStderr: none },
  };
}
