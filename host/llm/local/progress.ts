/**
 * Model-load progress: a redrawn bar on an interactive stderr, plain log lines otherwise
 * (one at the start; the caller logs the end).
 */

export interface LoadProgress {
  update(fraction: number): void;
  done(): void;
}

const WIDTH = 30;

export function loadProgress(label: string, log: (line: string) => void, stream: NodeJS.WriteStream = process.stderr): LoadProgress {
  if (!stream.isTTY) {
    log(`loading ${label} ...`);
    return { update: () => undefined, done: () => undefined };
  }
  let last = -1;
  let drawn = false;
  return {
    update(fraction: number) {
      const pct = Math.max(0, Math.min(100, Math.floor(fraction * 100)));
      if (pct === last) return;
      last = pct;
      const filled = Math.round((pct / 100) * WIDTH);
      stream.write(`\r[${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${String(pct).padStart(3)}% loading ${label}`);
      drawn = true;
    },
    done() {
      if (drawn) stream.write('\n');
    },
  };
}
