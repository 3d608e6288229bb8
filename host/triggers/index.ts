/**
 * The triggers besides HTTP, as host/factors/index.ts lists the factors: adding one is its
 * folder plus its line here (and its interfaces' line in executor.ts).
 */
import type { App, TriggerOwner } from '../app/types.js';
import { ComponentError } from '../components/component-error.js';
import { detectHttpInterface } from './http/detect.js';
import { redisTrigger } from './redis/index.js';
import type { Trigger } from './trigger.js';

export const TRIGGERS: readonly Trigger[] = [redisTrigger];

/** The worker's executor: every trigger's interfaces. */
export const EXECUTOR_MODULE = new URL('./executor.js', import.meta.url).href;

export function triggerOwners(): TriggerOwner[] {
  return TRIGGERS.map((t) => t.manifest);
}

/**
 * Which interface each component serves, by the triggers that name it: HTTP's check for a
 * component of HTTP triggers (or of none, as before other triggers), the other trigger's for
 * its own. One component under two trigger types is refused: a component runs one interface.
 */
export function detectKind(app: App): (componentId: string, exports: string[], executor?: string) => string {
  return (componentId, exports, executor) => {
    const types = new Set(app.triggers.filter((t) => t.component === componentId).map((t) => t.type));
    if (app.httpTriggers.some((t) => t.component === componentId)) types.add('http');
    if (types.size > 1) {
      throw new ComponentError(
        componentId,
        `it is named by triggers of types ${[...types].join(' and ')}; spin-ts runs a component under one trigger type. Give each type its own component.`,
      );
    }
    const trigger = TRIGGERS.find((t) => types.has(t.type));
    return trigger ? trigger.detect(componentId, exports) : detectHttpInterface(componentId, exports, executor);
  };
}
