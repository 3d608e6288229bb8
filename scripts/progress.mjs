#!/usr/bin/env node
// Runs a command and says it is still working whenever it has been silent for a while, so a
// first `npm start` never sits silent for more than a few seconds (tsc, componentize-js and the
// first transpile of each component print nothing for 15-25 s on a busy machine).
//   node scripts/progress.mjs [--every <s>] [--until <regex>] <what it is doing> -- <command> [args…]
// The command's output passes through as it comes; after `--until` matches a line (e.g. a
// server's "Serving"), silence is normal and nothing more is added. The command's exit status
// is this script's.
import { spawn } from 'node:child_process';

const args = process.argv.slice(2);
let every = 4;
let until;
while (args[0]?.startsWith('--') && args[0] !== '--') {
  const flag = args.shift();
  if (flag === '--every') every = Number(args.shift());
  else if (flag === '--until') until = new RegExp(args.shift());
  else {
    console.error(`progress.mjs: unknown flag ${flag}`);
    process.exit(2);
  }
}
const sep = args.indexOf('--');
const what = args.slice(0, sep).join(' ');
const command = args.slice(sep + 1);
if (sep < 1 || command.length === 0 || !(every > 0)) {
  console.error('usage: progress.mjs [--every <s>] [--until <regex>] <what it is doing> -- <command> [args…]');
  process.exit(2);
}

const started = Date.now();
let lastOutput = Date.now();
let done = false;
const child = spawn(command[0], command.slice(1), { stdio: ['inherit', 'pipe', 'pipe'] });
let tail = '';
function pass(stream, chunk) {
  stream.write(chunk);
  lastOutput = Date.now();
  if (until && !done) {
    tail = (tail + chunk.toString()).slice(-4096);
    if (until.test(tail)) done = true;
  }
}
child.stdout.on('data', (c) => pass(process.stdout, c));
child.stderr.on('data', (c) => pass(process.stderr, c));
const timer = setInterval(() => {
  if (done || Date.now() - lastOutput < every * 1000) return;
  process.stderr.write(`  … still ${what} (${Math.round((Date.now() - started) / 1000)} s)\n`);
  lastOutput = Date.now();
}, 250);
// Ctrl-C reaches the command from the terminal (one process group): passing SIGINT on too would be
// a second one, which makes `spin-ts up` stop at once instead of closing. SIGTERM is passed on.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => child.kill('SIGTERM'));
child.on('error', (err) => {
  console.error(`progress.mjs: cannot run ${command[0]}: ${err.message}`);
  process.exit(127);
});
child.on('exit', (code, signal) => {
  clearInterval(timer);
  process.exitCode = code ?? (signal === null ? 1 : 130);
});
