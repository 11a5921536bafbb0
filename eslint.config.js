import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config({ ignores: ['dist/', 'node_modules/', 'out/'] }, js.configs.recommended, ...tseslint.configs.recommended, {
  languageOptions: { globals: { console: 'readonly', process: 'readonly', setInterval: 'readonly', setTimeout: 'readonly' } },
  rules: {
    '@typescript-eslint/no-explicit-any': 'error',
    '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    eqeqeq: 'error',
  },
});
