/**
 * `spin up -c/--component-id`: an app cut down to the components named, with only the
 * triggers that run them, as Spin's selective run does. An unknown id is an error listing
 * the app's ids.
 */
import { UserError } from '../user-error.js';
import type { App } from './types.js';

export function retainComponents(app: App, ids: readonly string[]): App {
  if (ids.length === 0) return app;
  const unknown = ids.filter((id) => !app.components.has(id));
  if (unknown.length > 0) {
    throw new UserError(
      `-c/--component-id: the app has no component ${unknown.map((id) => `'${id}'`).join(', ')}. Its components: ${[...app.components.keys()].join(', ')}.`,
    );
  }
  const keep = new Set(ids);
  return {
    ...app,
    components: new Map([...app.components].filter(([id]) => keep.has(id))),
    httpTriggers: app.httpTriggers.filter((t) => keep.has(t.component)),
    triggers: app.triggers.filter((t) => keep.has(t.component)),
  };
}
