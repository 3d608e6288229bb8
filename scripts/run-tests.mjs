#!/usr/bin/env node
// Runs every compiled *.test.js under dist/ with node's test runner, one file at a time
// (the integration tests start servers and share 2 cores). Node 20's --test takes no globs.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

function find(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return find(p);
    return e.name.endsWith('.test.js') ? [p] : [];
  });
}

const only = process.argv.slice(2);
// Unit tests beside the code first (fast), then the integration tests in test/.
const files = [...find('dist/host'), ...find('dist/test')].filter((f) => only.length === 0 || only.some((o) => f.includes(o))).map((f) => relative('.', f));
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', '--test-reporter=spec', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
