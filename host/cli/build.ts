/** `spin-ts build`: run the components' build commands. */
import { Command } from 'commander';
import { buildApp } from '../build.js';
import { reportAndExit } from './errors.js';

export function buildCommand(): Command {
  return new Command('build')
    .description("Build the application's components: run each [component.<id>.build] command in its workdir")
    .option('-f, --from <manifest>', 'the application manifest (spin.toml) or a directory that holds one', 'spin.toml')
    .option('-c, --component-id <id>', 'build only this component (repeatable)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .action(async (o) => {
      try {
        await buildApp(o.from, { only: o.componentId });
      } catch (err) {
        reportAndExit(err);
      }
    });
}
