// What this build of the engine can do. Each entry names the engine part it needs, so the UI can say exactly
// why a control is disabled; entries flip to available as those parts are wired into the Engine service.
import type { Capability, CapabilityStatus } from '../../shared/contract';

const missing = (reason: string): CapabilityStatus => ({ available: false, reason });

export function capabilities(): Record<Capability, CapabilityStatus> {
  return {
    rasters: { available: true },
    identify: { available: true },
    vectors: { available: true },
    projects: { available: true },
    cog: { available: true },
    segment: { available: true },
    train: { available: true },
    compare: missing('Comparing heads is not wired into the app yet (the CLI has `satdifuser compare`).'),
    exportRaster: missing('Exporting results is not wired into the app yet.'),
    exportVector: missing('Exporting results is not wired into the app yet.'),
    heads: { available: true },
  };
}
