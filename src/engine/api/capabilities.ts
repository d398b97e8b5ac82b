// What this build of the engine can do. Each entry names the engine part it needs, so the UI can say exactly
// why a control is disabled; entries flip to available as those parts are wired into the Engine service.
import type { Capability, CapabilityStatus } from '../../shared/contract';

/** For a capability whose engine part is missing or fails to load (with the reason a user can act on). */
export const unavailable = (reason: string): CapabilityStatus => ({ available: false, reason });

export function capabilities(): Record<Capability, CapabilityStatus> {
  return {
    rasters: { available: true },
    identify: { available: true },
    vectors: { available: true },
    projects: { available: true },
    cog: { available: true },
    segment: { available: true },
    train: { available: true },
    compare: { available: true },
    exportRaster: { available: true },
    exportVector: { available: true },
    heads: { available: true },
  };
}
