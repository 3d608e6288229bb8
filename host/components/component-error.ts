/** A component that cannot be run, named by its id (a user error: reported without a stack). */
export class ComponentError extends Error {
  constructor(readonly componentId: string, message: string) {
    super(`component '${componentId}': ${message}`);
    this.name = 'ComponentError';
  }
}
