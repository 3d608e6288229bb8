/**
 * `spin-ts watch` as a library, as `spin watch` works: run `spin-ts up` as a child process,
 * and when files change, rebuild and restart it. A change to a file a component's
 * `[component.<id>.build] watch` globs name rebuilds that component, then restarts; a change
 * to a component's `source` or its `files` restarts; a change to the manifest re-reads
 * what to watch, rebuilds and restarts. Changes are gathered for `debounceMs` first. A
 * failed build is reported and the running app is kept.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { statSync, watch as fsWatch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { globToRegExp } from './app/glob.js';
import type { App } from './app/types.js';
import { buildApp } from './build.js';
import { loadAppWithFactors } from './load-app.js';

const BIN = fileURLToPath(new URL('../../bin/spin-ts.js', import.meta.url));

export interface WatchOptions {
  /** The manifest (or its directory), as `-f`. */
  from: string;
  /** Arguments for each `spin-ts up` (after `-f <manifest>`). */
  upArgs: string[];
  /** How long to gather changes before acting (Spin's default: 100 ms). */
  debounceMs: number;
  /** Only restart: never run the build commands (`--skip-build`). */
  skipBuild: boolean;
  /** Clear the screen before each restart (`-c/--clear`). */
  clear: boolean;
  log: (line: string) => void;
}

/** What to do when a path changes. */
interface WatchPlan {
  manifest: string;
  /** Component id → patterns (absolute, as regexps) that rebuild it. */
  build: Map<string, RegExp[]>;
  /** Paths (files, or directories whose contents count) that restart the app. */
  artifacts: string[];
  /** Directories to watch (recursively). */
  roots: string[];
}

function planFor(app: App, manifest: string): WatchPlan {
  const build = new Map<string, RegExp[]>();
  const roots = new Set<string>([app.baseDir]);
  for (const c of app.components.values()) {
    if (c.build && c.build.watch.length > 0) {
      build.set(
        c.id,
        c.build.watch.map((pattern) => globToRegExp(path.posix.join(c.build!.workdir.split(path.sep).join('/'), pattern))),
      );
      roots.add(c.build.workdir);
    }
  }
  const artifacts = [...app.components.values()].flatMap((c) => [c.source, ...c.files.map((f) => f.source)]);
  for (const a of artifacts) if (!a.startsWith(app.baseDir + path.sep)) roots.add(path.dirname(a));
  // Watch the outermost directories only: a recursive watch of a parent covers its children.
  const sorted = [...roots].sort((a, b) => a.length - b.length);
  const outer = sorted.filter((r, i) => !sorted.slice(0, i).some((o) => r === o || r.startsWith(o + path.sep)));
  return { manifest, build, artifacts, roots: outer };
}

function isArtifact(plan: WatchPlan, file: string): boolean {
  return plan.artifacts.some((a) => file === a || file.startsWith(a + path.sep));
}

export class AppWatcher {
  private child: ChildProcess | undefined;
  private watchers: FSWatcher[] = [];
  private plan: WatchPlan | undefined;
  private pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private busy: Promise<void> = Promise.resolve();
  private stopped = false;
  /** When the running `up` was started (epoch ms). */
  private startedAt = 0;

  constructor(private readonly opts: WatchOptions) {}

  async start(): Promise<void> {
    await this.replan();
    if (!this.opts.skipBuild) await this.build(undefined);
    this.spawnUp();
  }

  /** Re-reads the manifest: what to watch. */
  private async replan(): Promise<void> {
    const app = await loadAppWithFactors(this.opts.from, { checkSources: false });
    this.plan = planFor(app, app.manifestPath);
    for (const w of this.watchers) w.close();
    this.watchers = this.plan.roots.map((root) =>
      fsWatch(root, { recursive: true }, (_event, name) => {
        if (name) this.changed(path.resolve(root, name.toString()));
      }),
    );
  }

  private changed(file: string): void {
    if (this.stopped) return;
    this.pending.add(file);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      const files = [...this.pending];
      this.pending.clear();
      this.busy = this.busy.then(() => this.act(files)).catch((err: unknown) => this.opts.log(`watch: ${(err as Error).message}`));
    }, this.opts.debounceMs);
  }

  private async act(files: string[]): Promise<void> {
    const plan = this.plan!;
    const manifestChanged = files.includes(plan.manifest);
    const toBuild = new Set<string>();
    for (const f of files) {
      const posix = f.split(path.sep).join('/');
      for (const [id, patterns] of plan.build) if (patterns.some((p) => p.test(posix))) toBuild.add(id);
    }
    // An artifact counts when it changed after the running app started: events for what a
    // build wrote before that can arrive late.
    const freshArtifact = files.some((f) => isArtifact(plan, f) && this.changedSinceStart(f));
    const restart = manifestChanged || toBuild.size > 0 || freshArtifact;
    if (!restart) return;
    if (manifestChanged) {
      this.opts.log('watch: the manifest changed: reloading it');
      await this.replan();
    }
    if (!this.opts.skipBuild && (manifestChanged || toBuild.size > 0)) {
      const ok = await this.build(manifestChanged ? undefined : [...toBuild]);
      if (!ok) return;
      // What the build itself wrote is already part of this restart.
      this.pending.clear();
      clearTimeout(this.timer);
    }
    const shown = files.map((f) => path.relative(process.cwd(), f)).slice(0, 3);
    this.opts.log(`watch: ${shown.join(', ')}${files.length > 3 ? ` and ${files.length - 3} more` : ''} changed: restarting`);
    await this.restartUp();
  }

  /** Runs the build commands (of `only`, or every component); false when one failed. */
  private async build(only: string[] | undefined): Promise<boolean> {
    try {
      await buildApp(this.opts.from, { only, log: this.opts.log });
      return true;
    } catch (err) {
      this.opts.log(`watch: the build failed, still running the previous build: ${(err as Error).message}`);
      return false;
    }
  }

  private changedSinceStart(file: string): boolean {
    try {
      return statSync(file).mtimeMs >= this.startedAt;
    } catch {
      return true; // removed: that is a change
    }
  }

  private spawnUp(): void {
    if (this.opts.clear) process.stdout.write('\x1bc');
    this.startedAt = Date.now();
    this.child = spawn(process.execPath, [BIN, 'up', '-f', this.opts.from, ...this.opts.upArgs], { stdio: ['ignore', 'inherit', 'inherit'] });
    this.child.once('exit', (code, signal) => {
      if (!this.stopped && signal === null && code !== 0) this.opts.log(`watch: spin-ts up exited with code ${code}; waiting for a change`);
    });
  }

  private async stopUp(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    await exited;
  }

  private async restartUp(): Promise<void> {
    await this.stopUp();
    this.spawnUp();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    for (const w of this.watchers) w.close();
    await this.stopUp();
  }
}
