/** Loads an app with every factor's component keys: what `up`, `build` and the tests read a manifest with. */
import { loadApp, type LoadAppOptions } from './app/manifest.js';
import type { App } from './app/types.js';
import { appFactors, manifestOwners } from './factors/index.js';
import { triggerOwners } from './triggers/index.js';

const NO_ENGINE = () => Promise.reject(new Error('no LLM engine while only reading the manifest'));

export function loadAppWithFactors(from: string, options: Omit<LoadAppOptions, 'owners'> = {}): Promise<App> {
  return loadApp(from, { ...options, owners: manifestOwners(appFactors({ llmEngine: NO_ENGINE })), triggerOwners: triggerOwners() });
}
