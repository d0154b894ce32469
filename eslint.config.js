// Lint rules whose main job is to keep workflow code deterministic: workflows/ may not import Node
// built-ins, I/O libraries, or the activity/agent implementations (types only), and
// workflows/contracts/ may import nothing but other contracts.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = builtinModules.flatMap((m) => [m, `node:${m}`]);
const ioLibraries = ['@temporalio/client', '@temporalio/worker', '@temporalio/activity', '@temporalio/testing', '@temporalio/envconfig', '@aws-sdk/*', 'yaml'];

export default tseslint.config(
  { ignores: ['node_modules/**', '.gantry/**', '.venv-moto/**', 'dist/**', 'scratch/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'Workflow code must be deterministic: no Node built-ins.' })),
          patterns: [
            { group: ioLibraries, message: 'Workflow code must not import I/O libraries.' },
            {
              group: ['**/activities/**', '**/agent/**', '**/workers/**'],
              allowTypeImports: true,
              message: 'Workflows import activity and agent code as types only.',
            },
          ],
        },
      ],
      'no-restricted-globals': ['error', { name: 'setInterval', message: 'Use sleep() or condition() in workflows.' }],
    },
  },
  {
    files: ['workflows/contracts/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'Contracts are pure: no Node built-ins.' })),
          patterns: [{ regex: '^(?!\\./)', message: 'Contracts import only other contracts (./…).' }],
        },
      ],
    },
  },
  { files: ['**/*.js', '**/*.mjs'], languageOptions: { globals: { process: 'readonly', console: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setTimeout: 'readonly', URL: 'readonly' } } },
);
