#!/usr/bin/env node
// Compiles the native token loop (token_loop.cpp, llama_api.cpp) into
// native/token-loop/build/token_loop.node, against what node-llama-cpp ships:
//  - llama.h from its bundled llama.cpp source (llama/gitRelease.bundle, cloned into build/),
//    checked to be the release its prebuilt binaries were built from;
//  - its addon headers (llama/addon/*.h: the layout of its AddonContext / AddonModel);
//  - node-addon-api's headers and Node's own (from the running node's install, no download).
// Nothing is linked against libllama: the addon takes the functions from the libllama that
// node-llama-cpp has loaded (llama_api.cpp).
//
// Never fails the build: when something is missing (no C++ compiler, another node-llama-cpp) it
// says why and exits 0; spin-ts then runs the JS token loop. Skips the compile when the output is
// newer than its inputs. SPIN_TS_SKIP_NATIVE=1 skips it altogether; SPIN_TS_REQUIRE_NATIVE=1 (CI)
// makes a failed build an error.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const buildDir = join(here, 'build');
const output = join(buildDir, 'token_loop.node');
const sources = ['token_loop.cpp', 'llama_api.cpp', 'llama_api.h'].map((f) => join(here, f));

function skip(why) {
  console.log(`native token loop not built (${why}); spin-ts uses the JS token loop`);
  // CI sets SPIN_TS_REQUIRE_NATIVE=1, so a loop that stops building fails there instead of falling back unseen.
  process.exit(process.env.SPIN_TS_REQUIRE_NATIVE === '1' && process.env.SPIN_TS_SKIP_NATIVE !== '1' ? 1 : 0);
}

if (process.env.SPIN_TS_SKIP_NATIVE === '1') skip('SPIN_TS_SKIP_NATIVE=1');
if (process.platform !== 'linux' && process.platform !== 'darwin') skip(`no build recipe for ${process.platform}`);

/** A package's folder (its package.json may not be exported): the first node_modules/<name> up from `from`. */
function packageDir(name, from) {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}
const nlcDir = packageDir('node-llama-cpp', here);
if (!nlcDir) skip('node-llama-cpp not found');
const addonApiDir = packageDir('node-addon-api', nlcDir);
if (!addonApiDir) skip('node-addon-api (a dependency of node-llama-cpp) not found');
const llamaDir = join(nlcDir, 'llama');
const addonHeaders = join(llamaDir, 'addon');
const bundle = join(llamaDir, 'gitRelease.bundle');
const nodeInclude = join(dirname(process.execPath), '..', 'include', 'node');
for (const [what, path] of [
  ["node-llama-cpp's llama.cpp bundle", bundle],
  ["node-llama-cpp's addon headers", join(addonHeaders, 'AddonContext.h')],
  ["Node's headers", join(nodeInclude, 'node_api.h')],
]) {
  if (!existsSync(path)) skip(`${what} missing: ${path}`);
}

// the bundled source and the prebuilt binaries must be the same llama.cpp release
const sourceTag = JSON.parse(readFileSync(join(llamaDir, 'llama.cpp.info.json'), 'utf8')).tag;
const binaryRelease = JSON.parse(readFileSync(join(llamaDir, 'binariesGithubRelease.json'), 'utf8')).release;
let prebuiltRelease;
try {
  const bins = join(packageDir(`@node-llama-cpp/${process.platform}-${process.arch}`, nlcDir), 'bins', `${process.platform}-${process.arch}`);
  prebuiltRelease = JSON.parse(readFileSync(join(bins, '_nlcBuildMetadata.json'), 'utf8')).buildOptions.llamaCpp.release;
} catch {
  prebuiltRelease = binaryRelease;
}
if (sourceTag !== binaryRelease || sourceTag !== prebuiltRelease) {
  skip(`llama.cpp source ${sourceTag} differs from the prebuilt binaries' ${binaryRelease}/${prebuiltRelease}`);
}

const compiler = process.env.CXX || 'g++';
try {
  execFileSync(compiler, ['--version'], { stdio: 'ignore' });
} catch {
  skip(`no C++ compiler (${compiler})`);
}

const headersDir = join(buildDir, `llama.cpp-${sourceTag}`);
const inputs = [...sources, bundle, join(addonHeaders, 'AddonContext.h'), join(addonHeaders, 'AddonModel.h')];
if (existsSync(output) && existsSync(headersDir)) {
  const built = statSync(output).mtimeMs;
  if (inputs.every((f) => statSync(f).mtimeMs <= built)) {
    console.log('native token loop up to date');
    process.exit(0);
  }
}

const started = performance.now();
mkdirSync(buildDir, { recursive: true });
if (!existsSync(join(headersDir, 'include', 'llama.h'))) {
  try {
    // only include/ and ggml/include/ are read; the clone is local (no network)
    execFileSync('git', ['clone', '--quiet', '--no-checkout', bundle, headersDir], { stdio: 'inherit' });
    execFileSync('git', ['-C', headersDir, 'checkout', '--quiet', 'HEAD', '--', 'include', 'ggml/include'], { stdio: 'inherit' });
  } catch (err) {
    skip(`cannot read llama.h from ${bundle}: ${err.message}`);
  }
}

const tmp = `${output}.tmp`;
const args = [
  '-std=c++17',
  '-O2',
  '-fPIC',
  '-shared',
  '-fvisibility=hidden',
  '-DNAPI_VERSION=7',
  '-DNAPI_DISABLE_CPP_EXCEPTIONS',
  '-DNODE_ADDON_API_DISABLE_DEPRECATED',
  `-I${nodeInclude}`,
  `-I${addonApiDir}`,
  `-I${addonHeaders}`,
  `-I${join(headersDir, 'include')}`,
  `-I${join(headersDir, 'ggml', 'include')}`,
  join(here, 'token_loop.cpp'),
  join(here, 'llama_api.cpp'),
  '-o',
  tmp,
  '-pthread',
  ...(process.platform === 'darwin' ? ['-undefined', 'dynamic_lookup'] : ['-ldl']),
];
try {
  execFileSync(compiler, args, { stdio: 'inherit' });
} catch {
  skip(`${compiler} failed`);
}
renameSync(tmp, output);
console.log(`native token loop built in ${((performance.now() - started) / 1000).toFixed(1)} s: ${output}`);
