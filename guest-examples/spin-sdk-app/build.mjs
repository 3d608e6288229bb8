// build.mjs: bundles src/index.js for j2w, as the Spin http-js template does. The
// Spin esbuild plugin marks the WIT imports of the SDK packages (e.g. fermyon:spin/llm)
// as externals, so componentization binds them to the host's interfaces.
import { build } from 'esbuild';
import path from 'node:path';
import { SpinEsbuildPlugin } from '@spinframework/build-tools/plugins/esbuild/index.js';

const spinPlugin = await SpinEsbuildPlugin();

await build({
    entryPoints: ['./src/index.js'],
    outfile: './build/bundle.js',
    bundle: true,
    format: 'esm',
    platform: 'node',
    sourcemap: true,
    minify: false,
    plugins: [spinPlugin],
    logLevel: 'error',
    resolveExtensions: ['.js'],
    sourceRoot: path.resolve(process.cwd(), 'src'),
});
