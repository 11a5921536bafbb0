import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    // dist is built; the rest is what the commands in README.md write when run from here (see .gitignore).
    ignores: ['dist/', 'node_modules/', 'out/', 'results/', 'runs/', 'cmp/', 'compare/', 'sweep/', 'cases/', 'failed/', '**/*.out/'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { console: 'readonly', process: 'readonly', setInterval: 'readonly', setTimeout: 'readonly' } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      eqeqeq: 'error',
    },
  },
);
