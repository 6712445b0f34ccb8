// ESLint (flat config): the correctness rules, type-aware through tsconfig.json. Layout is Prettier's
// (.prettierrc.json): eslint-config-prettier, last, turns off every rule that would disagree with it.
//   npm run lint        eslint .
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

/** Every Node built-in by its bare name (fs, fs/promises, path, crypto, …); the node: prefix is a pattern below. */
const NODE_BUILTINS = builtinModules.filter((name) => !name.startsWith('_'));

export default defineConfig(
  {
    // Dependencies, build output, provisioned tools, local data, recorded histories; bench/results.json is generated.
    ignores: ['node_modules/', 'dist/', '.tools/', '.data/', 'test/histories/', 'test/fixtures/', 'bench/results.json'],
  },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // A promise nobody awaits loses its rejection (an unhandled rejection ends the process) and its ordering.
      // Fire-and-forget must be explicit: `void p` with a comment saying why.
      // node:test's test() and describe() return promises that the runner itself awaits: not floating. Subtests
      // (t.test) are not in the list: a parent that does not await them cancels them.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] }] },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          args: 'after-used',
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
      // `async` without `await` is deliberate here: it fulfils a Promise-returning contract (activities, route
      // handlers, test doubles) and turns a throw into a rejection; dropping it would change that.
      '@typescript-eslint/require-await': 'off',
      // The code passes around objects of closures (the create*Activities factories, n3's DataFactory) whose types
      // use method syntax; the rule cannot tell them from `this`-bound methods (every finding was one of these).
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    // Tests and dev tools read JSON, YAML and rendered manifests whose shape is what the assertions check:
    // `any` there is the point, and the no-unsafe-* rules report every member access of it.
    files: ['test/**', 'dev/**'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // Temporal's workflow sandbox: workflow code is deterministic and bundled without Node; it reaches the outside
    // world only through activity proxies, so it may import the activities' types but never their code.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: NODE_BUILTINS.map((name) => ({
            name,
            message: 'Workflow code runs in the Temporal sandbox: no Node built-ins (do the I/O in an activity).',
          })),
          patterns: [
            {
              regex: '^node:',
              message: 'Workflow code runs in the Temporal sandbox: no Node built-ins (do the I/O in an activity).',
            },
            {
              regex: '(^|/)activities(/|$)',
              allowTypeImports: true,
              message: 'Workflows import activity types only (`import type`); call activities through proxyActivities.',
            },
            {
              regex: '^@temporalio/(client|worker|activity|testing)(/|$)',
              message: 'Not in workflow code: workflows import @temporalio/workflow (and @temporalio/common) only.',
            },
          ],
        },
      ],
    },
  },
  {
    // Plain-JS files (this config, cli/prometheus-gate.mjs) are outside tsconfig.json: no type information for them.
    // Their globals are Node's: those of the Node that runs ESLint.
    files: ['**/*.{js,mjs,cjs}'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: {
      globals: Object.fromEntries(Object.getOwnPropertyNames(globalThis).map((name) => [name, 'readonly'])),
    },
  },
  prettier,
);
