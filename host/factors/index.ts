/**
 * The factors every app gets. A new capability is one folder under host/factors/ and one
 * line here; nothing else in the core names it (docs/architecture.md).
 */
import type { ComponentKeysOwner } from '../app/types.js';
import type { RuntimeConfigSectionOwner } from '../app/runtime-config.js';
import type { LlmEngine } from '../llm/engine.js';
import type { Factor } from './factor.js';
import { keyValueFactor } from './key-value/index.js';
import { llmFactor } from './llm/index.js';
import { mysqlFactor } from './mysql/index.js';
import { mqttFactor } from './mqtt/index.js';
import { outboundHttpFactor } from './outbound-http/index.js';
import { outboundRedisFactor } from './outbound-redis/index.js';
import { postgresFactor } from './postgres/index.js';
import { sqliteFactor } from './sqlite/index.js';
import { unavailableFactor } from './unavailable/index.js';
import { variablesFactor } from './variables/index.js';

/** What factors may need from the process that runs them. */
export interface FactorDeps {
  /** The LLM engine, shared with the OpenAI-compatible API; made on first use. */
  llmEngine: () => Promise<LlmEngine>;
  /** `up --key-value KEY=VALUE` pairs, set in the default key-value store at start. */
  keyValueSeeds?: ReadonlyArray<readonly [string, string]>;
  /** `spin-ts up --sqlite` values, run on the default database at start. */
  sqliteSeed?: readonly string[];
}

export function appFactors(deps: FactorDeps): Factor[] {
  return [
    variablesFactor,
    llmFactor(deps.llmEngine),
    outboundHttpFactor,
    outboundRedisFactor,
    mqttFactor,
    postgresFactor,
    mysqlFactor,
    keyValueFactor({ seeds: deps.keyValueSeeds }),
    sqliteFactor({ seed: deps.sqliteSeed ?? [] }),
    unavailableFactor,
  ];
}

/** The component-key owners of a factor list, for the manifest loader. */
export function manifestOwners(factors: readonly Factor[]): ComponentKeysOwner[] {
  return factors.flatMap((f) => (f.manifest ? [{ name: f.name, ...f.manifest }] : []));
}

/** The runtime-config section owners of a factor list, for the runtime-config loader. */
export function runtimeConfigOwners(factors: readonly Factor[]): RuntimeConfigSectionOwner[] {
  return factors.flatMap((f) => (f.runtimeConfig ? [{ name: f.name, ...f.runtimeConfig }] : []));
}
