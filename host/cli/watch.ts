/** `spin-ts watch`: build, run, and rebuild/restart on changes, with `spin watch`'s flags. */
import { Command, InvalidArgumentError } from 'commander';
import { AppWatcher } from '../watch.js';
import { reportAndExit } from './errors.js';

export function watchCommand(): Command {
  return new Command('watch')
    .description('Build and run the application, rebuilding and restarting it when files change')
    .option('-f, --from <manifest>', 'the application manifest (spin.toml) or a directory that holds one', 'spin.toml')
    .option('-c, --clear', 'clear the screen before each restart', false)
    .option(
      '-d, --debounce <ms>',
      'wait this many milliseconds for more changes before acting',
      (v: string) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`'${v}' is not a whole number of milliseconds.`);
        return n;
      },
      100,
    )
    .option('--skip-build', 'only restart: never run the build commands', false)
    .argument('[upArgs...]', 'arguments for `spin-ts up` (after --)')
    .allowUnknownOption(true)
    .action(async (upArgs: string[], o: { from: string; clear: boolean; debounce: number; skipBuild: boolean }) => {
      try {
        const watcher = new AppWatcher({ from: o.from, upArgs, debounceMs: o.debounce, skipBuild: o.skipBuild, clear: o.clear, log: (l) => console.error(l) });
        await watcher.start();
        const stop = () => void watcher.stop().then(() => process.exit(0));
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      } catch (err) {
        reportAndExit(err);
      }
    });
}
