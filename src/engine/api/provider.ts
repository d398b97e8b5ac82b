// What `engine.hello` says about execution providers before and after a model has run: the order the runtime
// will try, what this onnxruntime build contains, and (once a session exists) the provider that actually ran.
import type { ExecutionProviderStatus } from '../../shared/contract';
import { buildProviders, defaultProviders, type ProviderReport } from '../runtime';

const label: Record<string, string> = { cuda: 'CUDA', dml: 'DirectML', webgpu: 'WebGPU', cpu: 'CPU' };

export function providerStatusBeforeRun(): ExecutionProviderStatus {
  const requested = defaultProviders();
  const build = buildProviders();
  const missing = requested.filter((p) => p !== 'cpu' && !build.find((b) => b.name === p)?.bundled).map((p) => label[p] ?? p);
  return {
    requested,
    active: null,
    detail: `not used yet · will try ${requested.map((p) => label[p] ?? p).join(' → ')}${missing.length ? ` (${missing.join(', ')} not installed)` : ''}`,
  };
}

export function providerStatusFromReport(r: ProviderReport): ExecutionProviderStatus {
  const failed = r.attempts.filter((a) => !a.ok).map((a) => `${label[a.provider] ?? a.provider}: ${a.reason}`);
  return {
    requested: r.requested,
    active: r.active,
    detail: `${label[r.active] ?? r.active}${failed.length ? ` (${failed.join('; ')})` : ''}`,
  };
}
