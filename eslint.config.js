// Lint exists here mainly to keep the layers of docs/architecture.md honest: which layer may import what.
// test/lint/layers.test.ts proves each rule fires on a violation.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['node:*', 'fs', 'fs/*', 'path', 'os', 'child_process', 'worker_threads', 'crypto', 'zlib', 'stream', 'stream/*', 'http', 'https', 'net', 'url', 'util', 'buffer', 'events'];

const msg = {
  rendererNode: 'The renderer runs in a sandboxed browser page: no Node built-ins. Ask the engine through the contract client.',
  rendererElectron: 'The renderer never imports electron; it talks through the preload bridge / contract client.',
  rendererEngine: 'The renderer never imports the engine; it uses the contract in src/shared and the contract client.',
  engineElectron: 'The engine runs in plain Node (CLI, tests, utilityProcess): it must not import electron.',
  engineDom: 'The engine runs in plain Node: no React, no DOM libraries.',
  ort: 'Only src/engine/runtime may import onnxruntime-node; go through the runtime module.',
  sqlite: 'Only src/engine/store may import better-sqlite3; go through the store interface.',
  sharedRuntime: 'src/shared is runtime-free: types, errors and pure helpers only.',
};

const ortBan = { group: ['onnxruntime-node', 'onnxruntime-node/*'], message: msg.ort };
const sqliteBan = { group: ['better-sqlite3', 'better-sqlite3/*'], message: msg.sqlite };

export default tseslint.config(
  { ignores: ['node_modules/**', 'out/**', 'dist/**', 'bench/results/**', 'test/fixtures/**', 'tools/**/work/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: { console: 'readonly', process: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', performance: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly', queueMicrotask: 'readonly', structuredClone: 'readonly', fetch: 'readonly', window: 'readonly', document: 'readonly', navigator: 'readonly', setImmediate: 'readonly', globalThis: 'readonly', WebSocket: 'readonly', __dirname: 'readonly', requestAnimationFrame: 'readonly', cancelAnimationFrame: 'readonly', localStorage: 'readonly', Blob: 'readonly', File: 'readonly', FileReader: 'readonly', HTMLElement: 'readonly', HTMLCanvasElement: 'readonly', ImageData: 'readonly', Event: 'readonly', KeyboardEvent: 'readonly', MouseEvent: 'readonly', DragEvent: 'readonly', PerformanceObserver: 'readonly', atob: 'readonly', btoa: 'readonly', crypto: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  // Everywhere: the two native libraries have exactly one importer each.
  {
    files: ['src/**/*.{ts,tsx}'],
    ignores: ['src/engine/runtime/**', 'src/engine/store/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [ortBan, sqliteBan] }] },
  },
  {
    files: ['src/engine/store/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [ortBan, { group: ['electron', 'react', 'react-dom', 'ol', 'ol/*'], message: msg.engineElectron }] }] },
  },
  {
    files: ['src/engine/runtime/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [sqliteBan, { group: ['electron', 'react', 'react-dom', 'ol', 'ol/*'], message: msg.engineElectron }] }] },
  },
  {
    files: ['src/engine/**/*.ts'],
    ignores: ['src/engine/runtime/**', 'src/engine/store/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        ortBan, sqliteBan,
        { group: ['electron', 'electron/*'], message: msg.engineElectron },
        { group: ['react', 'react-dom', 'react-dom/*', 'ol', 'ol/*'], message: msg.engineDom },
      ] }],
      'no-restricted-globals': ['error', { name: 'window', message: msg.engineDom }, { name: 'document', message: msg.engineDom }, { name: 'navigator', message: msg.engineDom }],
    },
  },
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        ortBan, sqliteBan,
        { group: nodeBuiltins, message: msg.rendererNode },
        { group: ['electron', 'electron/*'], message: msg.rendererElectron },
        { group: ['**/engine', '**/engine/**'], message: msg.rendererEngine },
      ] }],
    },
  },
  {
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        ortBan, sqliteBan,
        { group: nodeBuiltins, message: msg.sharedRuntime },
        { group: ['electron', 'electron/*', 'react', 'react-dom', 'ol', 'ol/*'], message: msg.sharedRuntime },
        { group: ['**/engine', '**/engine/**', '**/main/**', '**/renderer/**', '**/cli/**', '**/server/**'], message: msg.sharedRuntime },
      ] }],
    },
  },
  {
    files: ['src/preload/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        ortBan, sqliteBan,
        { group: ['**/engine', '**/engine/**'], message: 'The preload exposes the narrow typed API only; it never imports the engine.' },
      ] }],
    },
  },
);
