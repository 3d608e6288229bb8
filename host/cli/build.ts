/** `spin-ts build`: run the components' build commands; with `-u/--up`, then run the app as `spin build --up` does. */
import { Command } from 'commander';
import { buildApp } from '../build.js';
import { CliError, reportAndExit } from './errors.js';
import { upCommand } from './up.js';

export function buildCommand(): Command {
  return (
    new Command('build')
      .description("Build the application's components: run each [component.<id>.build] command in its workdir")
      .option('-f, --from <manifest>', 'the application manifest (spin.toml) or a directory that holds one', 'spin.toml')
      .option('-c, --component-id <id>', 'build only this component (repeatable)', (v: string, prev: string[]) => [...prev, v], [] as string[])
      .option('-u, --up', 'run the application after building (the arguments after it go to `spin-ts up`)', false)
      .argument('[upArgs...]', 'with --up: arguments for `spin-ts up`')
      // Like Spin's build (allow_hyphen_values): `spin-ts build --up --listen 127.0.0.1:4000` hands --listen to up.
      .allowUnknownOption(true)
      .action(async (upArgs: string[], o: { from: string; componentId: string[]; up: boolean }) => {
        try {
          if (upArgs.length > 0 && !o.up) throw new CliError(`unexpected argument '${upArgs[0]}': arguments after the options are for --up`);
          await buildApp(o.from, { only: o.componentId });
          if (o.up) await upCommand().parseAsync(['-f', o.from, ...upArgs], { from: 'user' });
        } catch (err) {
          reportAndExit(err);
        }
      })
  );
}
