// Execution providers: which ones this onnxruntime build can load, and in what order to try them.
// onnxruntime-node silently drops a requested provider whose backend is not in the build (e.g. 'dml' on Linux) and
// runs on CPU; CUDA/WebGPU fail at session creation when their libraries or devices are missing. We check
// availability first and try providers one by one so the report says what actually runs.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { InvalidArgumentError } from '../../shared/errors';

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

/** A backend compiled into this onnxruntime-node build. */
export interface BuildProvider {
  name: string;
  /** Shipped inside the npm package. */
  bundled: boolean;
  /** Its library is on disk (bundled, or fetched by onnxruntime-node's install script). */
  installed: boolean;
}

const BACKEND_NAMES: Record<ProviderName, string> = { cuda: 'cuda', dml: 'dml', webgpu: 'webgpu', cpu: 'cpu' };

// Non-bundled providers live next to the native binding once onnxruntime-node's install script fetched them
// (ONNXRUNTIME_NODE_INSTALL=cuda12); without the file, ORT fails at session creation with a loader error on stderr.
const PROVIDER_LIBRARY: Record<string, Partial<Record<NodeJS.Platform, string>>> = {
  cuda: { linux: 'libonnxruntime_providers_cuda.so', win32: 'onnxruntime_providers_cuda.dll' },
  tensorrt: { linux: 'libonnxruntime_providers_tensorrt.so', win32: 'onnxruntime_providers_tensorrt.dll' },
};

function bindingDir(): string | undefined {
  try {
    const main = createRequire(import.meta.url).resolve('onnxruntime-node');
    return join(dirname(main), '..', 'bin', 'napi-v6', process.platform, process.arch);
  } catch {
    return undefined;
  }
}

/** Providers compiled into this onnxruntime-node build (bundled or installable), and whether each is installed. */
export function buildProviders(): BuildProvider[] {
  const list = (ort as unknown as { listSupportedBackends?: () => { name: string; bundled: boolean }[] }).listSupportedBackends;
  const backends = list ? list() : [{ name: 'cpu', bundled: true }];
  const dir = bindingDir();
  return backends.map((b) => {
    const lib = PROVIDER_LIBRARY[b.name]?.[process.platform];
    const installed = b.bundled || (lib !== undefined && dir !== undefined && existsSync(join(dir, lib)));
    return { name: b.name, bundled: b.bundled, installed };
  });
}

/** Whether `p` can be requested at all in this build (creation may still fail, e.g. no GPU). */
export function providerInBuild(p: ProviderName): boolean {
  return buildProviders().some((b) => b.name === BACKEND_NAMES[p]);
}

/** Why `p` cannot be tried before ORT is asked (absent from the build, or its library not installed); else undefined. */
export function providerUnavailable(p: ProviderName): string | undefined {
  const b = buildProviders().find((x) => x.name === BACKEND_NAMES[p]);
  if (!b) return 'not in this onnxruntime build';
  if (!b.installed) return `in this onnxruntime build but its library is not installed (reinstall onnxruntime-node with ONNXRUNTIME_NODE_INSTALL=${p === 'cuda' ? 'cuda12' : 'true'})`;
  return undefined;
}

/** The default order: GPU providers this platform may have, then CPU. */
export function defaultProviders(): ProviderName[] {
  const order: ProviderName[] = process.platform === 'win32' ? ['cuda', 'dml', 'cpu'] : ['cuda', 'cpu'];
  return order.filter((p) => p === 'cpu' || providerInBuild(p));
}

/** Values of the CLI's `--provider` (and of SATDIFUSER_PROVIDER). */
export const PROVIDER_CHOICES = ['cpu', 'cuda', 'dml', 'webgpu'] as const;

/**
 * `--provider X` → the order to try: X, then CPU, so a missing GPU runs on CPU with the reason reported
 * (Session.provider) instead of failing the job. Undefined in → undefined out (the caller's default).
 */
export function providersFromChoice(choice: string | undefined, what = '--provider'): ProviderName[] | undefined {
  if (choice === undefined || choice === '') return undefined;
  const p = choice.trim().toLowerCase();
  if (!(PROVIDER_CHOICES as readonly string[]).includes(p)) {
    throw new InvalidArgumentError(`${what} must be one of ${PROVIDER_CHOICES.join(', ')}; got "${choice}".`, `This onnxruntime build offers: ${describeBuildProviders()}.`);
  }
  return p === 'cpu' ? ['cpu'] : [p as ProviderName, 'cpu'];
}

/** The provider order from SATDIFUSER_PROVIDER (for engine paths whose callers pass no choice), else undefined. */
export function providersFromEnv(): ProviderName[] | undefined {
  return providersFromChoice(process.env.SATDIFUSER_PROVIDER, 'SATDIFUSER_PROVIDER');
}

/** One line for users: "cpu (bundled), webgpu (bundled), cuda (in the build, library not installed), …". */
export function describeBuildProviders(): string {
  return buildProviders()
    .map((b) => `${b.name} (${b.bundled ? 'bundled' : b.installed ? 'installed' : 'in the build, library not installed'})`)
    .join(', ');
}

/** One line for users saying what ran and why requested providers before it were not used. */
export function describeReport(r: ProviderReport): string {
  const failed = r.attempts.filter((a) => !a.ok);
  if (!failed.length) return `running on ${r.active}`;
  return `running on ${r.active}; ${failed.map((a) => `${a.provider} not used: ${a.reason ?? 'failed'}`).join('; ')}`;
}

/** ORT's provider name in profiles ('CPUExecutionProvider') to ours. */
export function providerFromOrtName(name: string): string {
  const m: Record<string, ProviderName> = { CPUExecutionProvider: 'cpu', CUDAExecutionProvider: 'cuda', DmlExecutionProvider: 'dml', WebGpuExecutionProvider: 'webgpu' };
  return m[name] ?? name;
}

/** The onnxruntime version this build runs. */
export function ortVersion(): string {
  return (ort as unknown as { env?: { versions?: { node?: string; common?: string } } }).env?.versions?.node ?? 'unknown';
}
