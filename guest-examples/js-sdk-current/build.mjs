// Bundles src/index.ts for componentize (j2w, run by `npm run build` after this): esbuild with
// the Spin JS SDK's own plugin, which resolves the SDK's wasi:http and spin:* imports.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { SpinEsbuildPlugin } from '@spinframework/build-tools/plugins/esbuild/index.js';

// Dependencies' own source maps point at files that are not shipped; give each an empty one so
// esbuild's source map stays valid.
const emptySourceMap =
  '\n//# sourceMappingURL=data:application/json;base64,' +
  Buffer.from(JSON.stringify({ version: 3, sources: [''], mappings: 'A' })).toString('base64');
const quietDependencyMaps = {
  name: 'quiet-dependency-maps',
  setup(b) {
    b.onLoad({ filter: /node_modules\/.*\.(?:[cm]?js|tsx?)$/ }, (args) => ({
      contents: readFileSync(args.path, 'utf8') + emptySourceMap,
      loader: 'default',
    }));
  },
};

await build({
  entryPoints: ['./src/index.ts'],
  outfile: './build/bundle.js',
  bundle: true,
  format: 'esm',
  platform: 'browser',
  sourcemap: true,
  logLevel: 'error',
  resolveExtensions: ['.ts', '.js'],
  plugins: [await SpinEsbuildPlugin(), quietDependencyMaps],
});
