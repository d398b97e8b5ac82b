// Execution providers: which ones this onnxruntime build can load, and in what order to try them.
// onnxruntime-node silently drops a requested provider whose backend is not in the build (e.g. 'dml' on Linux) and
// runs on CPU; CUDA/WebGPU fail at session creation when their libraries or devices are missing. We check
// availability first and try providers one by one so the report says what actually runs.
import * as ort from 'onnxruntime-node';

export type ProviderName = 'cuda' | 'dml' | 'webgpu' | 'cpu';

export interface ProviderAttempt {
  provider: ProviderName;
  ok: boolean;
  /** Why it was not used (not in this build, failed to initialise...). */
  reason?: string;
}

/** What ran: the provider the session was created with and every attempt before it. */
export interface ProviderReport {
  requested: readonly ProviderName[];
  active: ProviderName;
  attempts: ProviderAttempt[];
  /** Node counts by provider from a profiled run (Session.verifyPlacement), when measured. */
  placement?: Record<string, number>;
}

const BACKEND_NAMES: Record<ProviderName, string> = { cuda: 'cuda', dml: 'dml', webgpu: 'webgpu', cpu: 'cpu' };

/** Providers compiled into this onnxruntime-node build (bundled or installable). */
export function buildProviders(): { name: string; bundled: boolean }[] {
  const list = (ort as unknown as { listSupportedBackends?: () => { name: string; bundled: boolean }[] }).listSupportedBackends;
  return list ? list() : [{ name: 'cpu', bundled: true }];
}

/** Whether `p` can be requested at all in this build (creation may still fail, e.g. no GPU). */
export function providerInBuild(p: ProviderName): boolean {
  return buildProviders().some((b) => b.name === BACKEND_NAMES[p]);
}

/** The default order: GPU providers this platform may have, then CPU. */
export function defaultProviders(): ProviderName[] {
  const order: ProviderName[] = process.platform === 'win32' ? ['cuda', 'dml', 'cpu'] : ['cuda', 'cpu'];
  return order.filter((p) => p === 'cpu' || providerInBuild(p));
}

/** ORT's provider name in profiles ('CPUExecutionProvider') to ours. */
export function providerFromOrtName(name: string): string {
  const m: Record<string, ProviderName> = { CPUExecutionProvider: 'cpu', CUDAExecutionProvider: 'cuda', DmlExecutionProvider: 'dml', WebGpuExecutionProvider: 'webgpu' };
  return m[name] ?? name;
}
