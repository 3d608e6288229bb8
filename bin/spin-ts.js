#!/usr/bin/env node
'use strict';
// CommonJS (bin/package.json): it must set the libuv threadpool's size before the ESM loader
// starts that threadpool (bin/llama-threadpool.js says why).
require('./llama-threadpool.js').oneThreadForLlama(process.argv.slice(2));
import('../dist/host/cli/main.js');
