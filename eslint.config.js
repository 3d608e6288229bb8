// ESLint flat config: the rules that catch real bugs, on host/, test/, bench/ and scripts/.
// Formatting is Prettier's job (npm run format), not ESLint's.
//
// typescript-eslint cannot load TypeScript 7 (no JS compiler API), so `typescript` in
// devDependencies is the TypeScript 6 API package (@typescript/typescript6) used only here,
// and `tsc` comes from `@typescript/native` (typescript@7): the side-by-side set-up of the
// TypeScript 7.0 release notes.
import js from '@eslint/js';
import globals from 'globals';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['dist/**', 'node_modules/**', 'guest-examples/**', '.spin/**', 'test/python-clients/.venv/**'] },
  {
    files: ['host/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // type-aware: a promise nobody awaits or catches is a lost error
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test's describe/test return promises the runner itself awaits
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'test', 'it', 'suite', 'before', 'after'] }] },
      ],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // guest exports and worker messages are untyped at the boundary on purpose
      '@typescript-eslint/no-explicit-any': 'off',
      // `workerData as X`, `parentPort!`: non-null assertions document a fact the types cannot see
      '@typescript-eslint/no-non-null-assertion': 'off',
      // prom-client's collect() binds `this` to the metric, so the outer object is kept as `self`
      '@typescript-eslint/no-this-alias': ['error', { allowedNames: ['self'] }],
      // tests match terminal output column for column; `  ` reads better there than ` {2}`
      'no-regex-spaces': 'off',
    },
  },
  {
    files: ['scripts/**/*.mjs', 'eslint.config.js'],
    extends: [js.configs.recommended],
    languageOptions: { globals: globals.node },
    rules: {
      'no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
);
