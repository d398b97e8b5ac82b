import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import { rendererViteConfig } from './src/server/rendererViteConfig';

// Native modules (onnxruntime-node, better-sqlite3) stay external: they are loaded from node_modules at run time.
const nativeExternals = ['onnxruntime-node', 'better-sqlite3'];

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rollupOptions: {
        // The engine runs in a utility process: its own entry, bundled beside main.
        input: { index: resolve('src/main/index.ts'), engineProcess: resolve('src/main/engineProcess.ts') },
        external: nativeExternals,
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // A sandboxed preload must be CommonJS.
      rollupOptions: { input: { index: resolve('src/preload/index.ts') }, output: { format: 'cjs', entryFileNames: '[name].cjs' } },
    },
  },
  renderer: rendererViteConfig(resolve('.')),
});
