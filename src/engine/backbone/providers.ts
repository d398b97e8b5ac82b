// Which execution providers the backbone's sessions try. The graphs are built and tuned for ORT's CPU kernels
// (MultiHeadAttention contrib op, InstanceNormalization GroupNorm), and most users have no GPU, so CPU is the
// default; a GPU is opt-in per call (`--provider cuda`) or per process (SATDIFUSER_PROVIDER, which also reaches
// callers that pass no choice, e.g. the segmentation pipeline). A requested GPU that cannot start falls back to
// CPU, and the session's ProviderReport says why.
import { type ProviderName, type ProviderReport, providersFromEnv } from '../runtime';

/** How the backbone's sessions run; every backbone entry point takes these. */
export interface SessionChoice {
  readonly threads?: number;
  /** Execution providers in order (e.g. providersFromChoice('cuda') = cuda then cpu). Default: backboneProviders. */
  readonly providers?: readonly ProviderName[];
  /** Told which provider each session runs on, and why the ones before it were not used. */
  readonly onProvider?: (session: string, report: ProviderReport) => void;
}

/** A backbone job that can take long: the session choice, cancel, and progress by stage. */
export interface BackboneJobOptions extends SessionChoice {
  readonly signal?: AbortSignal;
  readonly onProgress?: (stage: string, done: number, total: number) => void;
}

export function backboneProviders(o: SessionChoice): readonly ProviderName[] {
  return o.providers ?? providersFromEnv() ?? ['cpu'];
}
