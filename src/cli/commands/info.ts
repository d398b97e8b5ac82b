// `satdifuser info <raster> [--json]`: what a raster is (size, bands, type, CRS, transform, overviews, blocks),
// as gdalinfo summarises it, or as JSON for scripts.
import { InvalidArgumentError } from '../../shared/errors';
import { openRaster } from '../../engine/raster/open';
import type { CliCommand } from '../command';
import { parseCommandArgs } from './args';
import { infoJson, infoText } from './rasterSummary';

const usage = `Usage: satdifuser info <raster> [--json]
       satdifuser info --providers [--json]

Describes a GeoTIFF/COG/BigTIFF, PNG or JPEG: size, bands, data type, nodata, CRS (EPSG code or definition),
geotransform, corner coordinates (with lon/lat), overviews, block layout, compression, band names.

Options:
  --json        print JSON (width, height, bands, dataType, epsg, pixelSize, origin, nodata, overviews = count, …)
  --providers   list the execution providers this onnxruntime-node build offers (cpu, webgpu, cuda, …) instead`;

export const command: CliCommand = {
  name: 'info',
  summary: 'Describe a raster (size, bands, CRS, transform, overviews), like gdalinfo',
  usage,
  async run(args, ctx) {
    const { values, positionals } = parseCommandArgs(args, { json: { type: 'boolean' }, providers: { type: 'boolean' } }, usage);
    if (values.providers) {
      if (positionals.length) throw new InvalidArgumentError('--providers takes no raster.', usage);
      // Loaded only here: describing a raster must not pay for onnxruntime's start-up.
      const rt = await import('../../engine/runtime');
      const build = rt.buildProviders();
      if (values.json) ctx.stdout.write(JSON.stringify({ onnxruntime: rt.ortVersion(), providers: build }, null, 2) + '\n');
      else ctx.stdout.write(`onnxruntime-node ${rt.ortVersion()} execution providers: ${rt.describeBuildProviders()}\n`);
      return 0;
    }
    if (positionals.length !== 1) throw new InvalidArgumentError(positionals.length ? 'Give exactly one raster.' : 'Which raster? Give its path.', usage);
    const src = await openRaster(positionals[0], { signal: ctx.signal });
    try {
      ctx.stdout.write(values.json ? JSON.stringify(infoJson(src.info), null, 2) + '\n' : infoText(src.info));
    } finally {
      await src.close();
    }
    return 0;
  },
};
