'use strict';
/**
 * One libuv thread for the commands that run llama.cpp (`up`, `models serve`), unless the
 * environment sets UV_THREADPOOL_SIZE. CommonJS, and run by bin/spin-ts.js before anything
 * else: libuv reads UV_THREADPOOL_SIZE once, when its threadpool starts, and Node's ESM loader
 * starts it by reading the first module.
 *
 * Why: node-llama-cpp runs each llama_decode as a libuv threadpool task, and libuv hands a task
 * to whichever of its threads is free, so consecutive decodes start on different threads. ggml
 * (with no threadpool attached, as node-llama-cpp leaves it) builds its compute threads afresh
 * for every decode from the calling thread, and when that thread changes from decode to decode
 * a 2-thread decode runs at about one thread's speed. Measured on the TinyLlama-1.1B shape
 * (Q4_0, 2 threads, 2 cores): node-llama-cpp's own evaluate loop took 31 ms per token with
 * libuv's 4 threads and 23 ms with one; a C program calling llama_decode from a new thread
 * each time shows the same (40 ms against 18 ms from one thread), with the time in ggml_barrier.
 *
 * The cost: the process's other threadpool work (fs.promises, dns.lookup of outbound host
 * names, zlib) waits while a decode runs: at most one decode (a prompt chunk of up to 512
 * tokens, seconds on a small CPU). Set UV_THREADPOOL_SIZE to choose otherwise (docs/ai.md).
 *
 * @param {readonly string[]} argv the arguments after `spin-ts`
 * @param {NodeJS.ProcessEnv} env
 * @returns {boolean} whether it set UV_THREADPOOL_SIZE
 */
function oneThreadForLlama(argv, env = process.env) {
  const runsLlama = argv[0] === 'up' || (argv[0] === 'models' && argv[1] === 'serve');
  if (!runsLlama || env.UV_THREADPOOL_SIZE !== undefined) return false;
  env.UV_THREADPOOL_SIZE = '1';
  return true;
}

module.exports = { oneThreadForLlama };
