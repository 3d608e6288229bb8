/**
 * The one base class for errors a user causes and can fix (a bad manifest, a missing
 * file, a bad flag, a failing build command). The CLI prints their message alone and
 * exits 1; anything else is an internal error (its stack shows with SPIN_TS_DEBUG=1).
 */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
