// The renderer's Vite configuration, shared by `electron-vite build` (electron.vite.config.ts) and by
// `satdifuser serve`, which builds only the renderer when it is missing or stale.
import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import type { UserConfig } from 'vite';

export function rendererViteConfig(root: string): UserConfig {
  return {
    root: resolve(root, 'src/renderer'),
    // Relative asset URLs work both from file:// (Electron) and from http://127.0.0.1:port/ (web mode).
    base: './',
    plugins: [react()],
    build: {
      outDir: resolve(root, 'out/renderer'),
      emptyOutDir: true,
      chunkSizeWarningLimit: 4096,
      rollupOptions: { input: { index: resolve(root, 'src/renderer/index.html') } },
    },
  };
}
