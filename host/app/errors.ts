/**
 * The one error type the manifest and runtime-config loaders throw.
 * Its message is all a user sees (the CLI prints it and exits 1), so it names
 * the file, the offending field, what is wrong and what to do about it.
 */
import { isAbsolute, relative } from 'node:path';
import { UserError } from '../user-error.js';

export interface ManifestErrorInit {
  /** Path of the file at fault (manifest or runtime config). */
  file: string;
  /** Dotted path of the field at fault, e.g. `component.hello.source`; "" for the file as a whole. */
  field: string;
  /** What is wrong, without a trailing period. */
  problem: string;
  /** One sentence telling the user what to do. */
  fix: string;
  line?: number;
  column?: number;
  /** Optional source excerpt shown under the message (e.g. the TOML parser's code block). */
  excerpt?: string;
}

export class ManifestError extends UserError {
  readonly file: string;
  readonly field: string;
  readonly problem: string;
  readonly fix: string;
  readonly line?: number;
  readonly column?: number;

  constructor(init: ManifestErrorInit) {
    super(formatMessage(init));
    this.file = init.file;
    this.field = init.field;
    this.problem = init.problem;
    this.fix = init.fix;
    if (init.line !== undefined) this.line = init.line;
    if (init.column !== undefined) this.column = init.column;
  }
}

function formatMessage(init: ManifestErrorInit): string {
  const where = init.line !== undefined ? ` (line ${init.line}${init.column !== undefined ? `, column ${init.column}` : ''})` : '';
  const head = init.field ? `${init.file}: ${init.field}${where}` : `${init.file}${where}`;
  let problem = init.problem.trimEnd();
  if (problem.endsWith('.') && !problem.endsWith('...')) problem = problem.slice(0, -1);
  const fix = init.fix.trim();
  const text = `${head}: ${problem}. ${fix}${/[.!?]$/.test(fix) ? '' : '.'}`;
  const excerpt = init.excerpt?.trimEnd();
  return excerpt ? `${text}\n\n${excerpt}` : text;
}

/** A path as shown in messages: relative to the working directory when inside it. */
export function displayPath(absolute: string, cwd: string = process.cwd()): string {
  const rel = relative(cwd, absolute);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : absolute;
}
