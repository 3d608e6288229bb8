#!/usr/bin/env node
/** The spin-ts command line: one file per command. */
import { Command } from 'commander';
import { createRequire } from 'node:module';
import { buildCommand } from './build.js';
import { modelsCommand } from './models.js';
import { upCommand } from './up.js';
import { watchCommand } from './watch.js';

const { version } = createRequire(import.meta.url)('../../../package.json') as { version: string };

const program = new Command('spin-ts')
  .description('Run Spin-style WebAssembly component apps with built-in serverless AI')
  .version(version)
  .addCommand(upCommand())
  .addCommand(buildCommand())
  .addCommand(watchCommand())
  .addCommand(modelsCommand());

await program.parseAsync(process.argv);
