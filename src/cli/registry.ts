import type { CliCommand } from './command';

// Commands are loaded lazily so `satdifuser info` does not pay for onnxruntime or SQLite start-up.
export const commands: Record<string, { summary: string; load: () => Promise<CliCommand> }> = {
  serve: { summary: 'Run the app in a browser (web mode) on 127.0.0.1', load: async () => (await import('./commands/serve')).command },
  info: { summary: 'Describe a raster (size, bands, CRS, transform, overviews), like gdalinfo', load: async () => (await import('./commands/info')).command },
  tiles: { summary: 'List the tile grid (windows, cores, transforms) over a raster or an AOI', load: async () => (await import('./commands/tiles')).command },
  cog: { summary: 'Rewrite a raster as a tiled, compressed cloud-optimized GeoTIFF with overviews', load: async () => (await import('./commands/cog')).command },
  demo: { summary: 'Run the main job on the bundled sample scene', load: async () => (await import('./commands/demo')).command },
  features: { summary: 'SatDiFuser features (DDIM-inversion taps) from a latent + UNet or an image + backbone', load: async () => (await import('./commands/features')).command },
  encode: { summary: 'Encode an image (.npy in [-1, 1]) with a diffusers AutoencoderKL into moments', load: async () => (await import('./commands/encode')).command },
  models: { summary: 'List backbone models; import the DiffusionSat release', load: async () => (await import('./commands/models')).command },
  segment: { summary: 'Segment a raster or an AOI into a class mask (GeoTIFF) with optional probabilities and vectors', load: async () => (await import('./commands/segment')).command },
  classify: { summary: 'Classify a raster or an AOI, or every cell of a grid into a scene-label raster', load: async () => (await import('./commands/classify')).command },
  cache: { summary: 'Show or clear the feature cache (stats | clear | cap <GiB>)', load: async () => (await import('./commands/cache')).command },
  train: { summary: 'Train a SatDiFuser head (GW/LW/MoE/concat + UPerNet or linear) on labels, on ONNX Runtime', load: async () => (await import('./commands/train')).command },
  eval: { summary: 'Score a trained head on a labelled dataset (mIoU, per-class IoU/F1; --json)', load: async () => (await import('./commands/eval')).command },
  compare: { summary: 'Compare heads on the same features: per-class table and a disagreement raster', load: async () => (await import('./commands/compare')).command },
};
