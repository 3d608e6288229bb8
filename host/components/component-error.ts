/** A component that cannot be run, named by its id (a user error: reported without a stack). */
import { UserError } from '../user-error.js';

export class ComponentError extends UserError {
  constructor(
    readonly componentId: string,
    message: string,
  ) {
    super(`component '${componentId}': ${message}`);
  }
}
