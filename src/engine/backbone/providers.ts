// Which execution providers the backbone's sessions try. The graphs are built and tuned for ORT's CPU kernels
// (MultiHeadAttention contrib op, InstanceNormalization GroupNorm), and most users have no GPU, so CPU is the
// default; a GPU is opt-in per call (`--provider cuda`) or per process (SATDIFUSER_PROVIDER, which also reaches
// callers that pass no choice, e.g. the segmentation pipeline). A requested GPU that cannot start falls back to
// CPU, and the session's ProviderReport says why.
import { type ProviderName, providersFromEnv } from '../runtime';

export function backboneProviders(o: { readonly providers?: readonly ProviderName[] }): readonly ProviderName[] {
  return o.providers ?? providersFromEnv() ?? ['cpu'];
}
