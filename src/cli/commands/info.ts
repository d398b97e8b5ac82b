// `satdifuser info <raster> [--json]`: what a raster is (size, bands, type, CRS, transform, overviews, blocks),
// as gdalinfo summarises it, or as JSON for scripts.
import { InvalidArgumentError } from '../../shared/errors';
import { openRaster } from '../../engine/raster/open';
import type { CliCommand } from '../command';
import { parseCommandArgs } from './args';
import { infoJson, infoText } from './rasterSummary';

const usage = `Usage: satdifuser info <raster> [--json]

Describes a GeoTIFF/COG/BigTIFF, PNG or JPEG: size, bands, data type, nodata, CRS (EPSG code or definition),
geotransform, corner coordinates (with lon/lat), overviews, block layout, compression, band names.

Options:
  --json   print JSON (width, height, bands, dataType, epsg, pixelSize, origin, nodata, overviews = count, …)`;

export const command: CliCommand = {
  name: 'info',
  summary: 'Describe a raster (size, bands, CRS, transform, overviews), like gdalinfo',
  usage,
  async run(args, ctx) {
    const { values, positionals } = parseCommandArgs(args, { json: { type: 'boolean' } }, usage);
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
