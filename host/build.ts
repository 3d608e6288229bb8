/** `spin-ts build` as a library: run each component's build command(s) in its workdir, as `spin build` does. */
import { spawn } from 'node:child_process';
import { loadAppWithFactors as loadApp } from './load-app.js';
import { UserError } from './user-error.js';

export class BuildError extends UserError {}

function runShell(command: string, cwd: string): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, { cwd, shell: true, stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(signal ? null : code));
  });
}

export async function buildApp(manifest: string, opts: { only?: string[]; log?: (line: string) => void } = {}): Promise<void> {
  const log = opts.log ?? ((line: string) => console.log(line));
  // Neither sources nor `files` need exist yet: the build commands may make them (Spin's
  // build reads only the build settings; its `up` resolves the files).
  const app = await loadApp(manifest, { checkSources: false, checkFiles: false });
  const unknown = (opts.only ?? []).filter((id) => !app.components.has(id));
  if (unknown.length > 0) throw new BuildError(`no component named ${unknown.map((u) => `'${u}'`).join(', ')} in ${app.manifestPath}`);
  for (const c of app.components.values()) {
    if (opts.only && opts.only.length > 0 && !opts.only.includes(c.id)) continue;
    if (!c.build) {
      log(`${c.id}: no build command`);
      continue;
    }
    for (const command of c.build.command) {
      log(`Building component ${c.id} with \`${command}\``);
      const code = await runShell(command, c.build.workdir);
      if (code !== 0) {
        throw new BuildError(
          `component '${c.id}': build command \`${command}\` ${code === null ? 'was killed' : `exited with code ${code}`} (in ${c.build.workdir}). Fix the build, or the command in [component.${c.id}.build].`,
        );
      }
    }
  }
  log('Finished building all Spin components');
  await warnOfMissingFiles(manifest, log);
}

/** Once built, the `files` entries must exist for `up`: say so now if one does not. */
async function warnOfMissingFiles(manifest: string, log: (line: string) => void): Promise<void> {
  try {
    await loadApp(manifest, { checkSources: false });
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    log(`Warning: \`spin-ts up\` will not start this app: ${err.message}`);
  }
}
