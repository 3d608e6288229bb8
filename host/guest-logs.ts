/**
 * Where components' stdout and stderr go in `spin-ts up`: the console (all components, or
 * only the `--follow` ones; none with `-q`) and, with `-L/--log-dir`, Spin's log files
 * `<dir>/<component>_stdout.txt` and `_stderr.txt` (appended; every component, followed or not).
 */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import type { GuestOutput } from './components/protocol.js';
import { UserError } from './user-error.js';

export interface GuestLogOptions {
  quiet: boolean;
  /** Component ids whose output is shown on the console (empty: all). */
  follow: readonly string[];
  logDir?: string;
  print: (line: string) => void;
}

/** A component id as a file-name part: what Spin's sanitising keeps, anything else as `_`. */
export function logFileStem(component: string): string {
  return component.replace(/[^A-Za-z0-9._-]/g, '_');
}

export class GuestLogs {
  private readonly files = new Map<string, WriteStream>();

  constructor(
    private readonly opts: GuestLogOptions,
    components: Iterable<string>,
  ) {
    const ids = new Set(components);
    const unknown = opts.follow.filter((id) => !ids.has(id));
    if (unknown.length > 0) {
      throw new UserError(`--follow: the app has no component ${unknown.map((id) => `'${id}'`).join(', ')}. Its components: ${[...ids].join(', ')}.`);
    }
    if (opts.logDir) {
      try {
        mkdirSync(opts.logDir, { recursive: true });
      } catch (err) {
        throw new UserError(`-L/--log-dir: cannot create ${opts.logDir} (${(err as NodeJS.ErrnoException).code ?? String(err)}). Pass a writable directory.`);
      }
    }
  }

  /** True when nothing would use a guest's output (the worker can drop it). */
  get discardsEverything(): boolean {
    return this.opts.quiet && !this.opts.logDir;
  }

  write(output: GuestOutput, line: string): void {
    if (this.opts.logDir) this.file(output).write(`${output.text}\n`);
    if (this.opts.quiet) return;
    if (this.opts.follow.length === 0 || this.opts.follow.includes(output.component)) this.opts.print(line);
  }

  private file(output: GuestOutput): WriteStream {
    const name = `${logFileStem(output.component)}_${output.stream}.txt`;
    let f = this.files.get(name);
    if (!f) {
      f = createWriteStream(join(this.opts.logDir!, name), { flags: 'a' });
      f.on('error', (err) => this.opts.print(`-L/--log-dir: cannot write ${name}: ${err.message}`));
      this.files.set(name, f);
    }
    return f;
  }

  async close(): Promise<void> {
    await Promise.all([...this.files.values()].map((f) => new Promise<void>((r) => f.end(() => r()))));
  }
}
