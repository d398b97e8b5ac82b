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
    segment: missing('Segmentation needs the tiled segmentation job (src/engine/jobs) and a trained head; neither is built yet.'),
    train: missing('Training needs the head training engine (src/engine/heads + src/engine/nn); not built yet.'),
    compare: missing('Comparing fusion strategies needs segmentation and trained heads; not built yet.'),
    exportRaster: missing('Mask and probability export need a segmentation result and the COG writer; not built yet.'),
    exportVector: missing('Vector export needs a segmentation result and the vector writers (src/engine/export/vector); not built yet.'),
    heads: missing('Head management needs the head store (src/engine/store); not built yet.'),
  };
}
