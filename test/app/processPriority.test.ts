// The engine's process lowers its own priority so the UI stays responsive (src/engine/api/processPriority.ts).
// Run in child processes: the test runner's own priority must not change.
import { execFileSync } from 'node:child_process';
import { constants, getPriority } from 'node:os';
import { describe, expect, it } from 'vitest';

const script = `import { lowerEnginePriority } from './src/engine/api/processPriority.ts';
import { getPriority } from 'node:os';
const r = lowerEnginePriority();
console.log(JSON.stringify({ ...r, measured: getPriority(0) }));`;

function runChild(env: Record<string, string> = {}): { lowered: boolean; priority: number; measured: number; reason?: string } {
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env: { ...process.env, ...env }, encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!);
}

describe.skipIf(process.platform === 'win32' || getPriority(0) >= constants.priority.PRIORITY_BELOW_NORMAL)('engine process priority', () => {
  it('drops to "below normal" (niceness 10 on Unix), as the OS reports afterwards', () => {
    const r = runChild();
    expect(r.lowered).toBe(true);
    expect(r.measured).toBe(constants.priority.PRIORITY_BELOW_NORMAL);
    expect(r.priority).toBe(r.measured);
  });

  it('keeps the inherited priority with SATDIFUSER_ENGINE_PRIORITY=normal', () => {
    const r = runChild({ SATDIFUSER_ENGINE_PRIORITY: 'normal' });
    expect(r.lowered).toBe(false);
    expect(r.measured).toBe(getPriority(0));
  });
});
