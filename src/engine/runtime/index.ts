// The runtime: the only module that talks to onnxruntime-node. Everything else uses these types.
export { Tensor } from './tensor';
export { Session, type SessionOptions, type RunOptions, type IoInfo, type NodeTiming } from './session';
export { SessionCache } from './cache';
export {
  type ProviderName, type ProviderReport, type ProviderAttempt, type BuildProvider, PROVIDER_CHOICES, buildProviders, providerInBuild, providerUnavailable,
  defaultProviders, providersFromChoice, providersFromEnv, describeBuildProviders, describeReport, ortVersion,
} from './providers';
