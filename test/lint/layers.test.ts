// Proves the layer rules of eslint.config.js fire: each case lints a one-line source under a path in one layer.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: process.cwd() });

async function violations(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-globals').map((m) => m.message);
}

describe('layer import rules', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['src/renderer/components/Bad.tsx', "import fs from 'node:fs'; export const x = fs;", /no Node built-ins/],
    ['src/renderer/components/Bad.tsx', "import { ipcRenderer } from 'electron'; export const x = ipcRenderer;", /never imports electron/],
    ['src/renderer/components/Bad.tsx', "import { x } from '../../engine/raster/open'; export const y = x;", /never imports the engine/],
    ['src/engine/raster/bad.ts', "import { app } from 'electron'; export const x = app;", /must not import electron/],
    ['src/engine/raster/bad.ts', "export const x = document.body;", /no React, no DOM/],
    ['src/engine/heads/bad.ts', "import * as ort from 'onnxruntime-node'; export const x = ort;", /Only src\/engine\/runtime/],
    ['src/cli/bad.ts', "import * as ort from 'onnxruntime-node'; export const x = ort;", /Only src\/engine\/runtime/],
    ['src/engine/jobs/bad.ts', "import Database from 'better-sqlite3'; export const x = Database;", /Only src\/engine\/store/],
    ['src/engine/runtime/bad.ts', "import Database from 'better-sqlite3'; export const x = Database;", /Only src\/engine\/store/],
    ['src/shared/bad.ts', "import path from 'node:path'; export const x = path;", /runtime-free/],
  ];
  for (const [file, code, expected] of cases) {
    it(`rejects in ${file}: ${code.slice(0, 50)}`, async () => {
      const found = await violations(file, code);
      expect(found.length).toBeGreaterThan(0);
      expect(found.join('\n')).toMatch(expected);
    });
  }

  const allowed: Array<[string, string]> = [
    ['src/engine/runtime/session.ts', "import * as ort from 'onnxruntime-node'; export const x = ort;"],
    ['src/engine/store/db.ts', "import Database from 'better-sqlite3'; export const x = Database;"],
    ['src/engine/raster/ok.ts', "import { readFile } from 'node:fs/promises'; export const x = readFile;"],
    ['src/renderer/components/Ok.tsx', "import Map from 'ol/Map'; export const x = Map;"],
  ];
  for (const [file, code] of allowed) {
    it(`allows in ${file}`, async () => {
      expect(await violations(file, code)).toEqual([]);
    });
  }
});
