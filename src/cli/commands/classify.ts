// `satdifuser classify <raster> [--aoi <geojson>] [--head <head>|--default] [--grid] [--out <labels.tif>]`
// Classifies the AOI (one label, printed) or, with --grid, every cell of a grid over it (a scene-label
// raster, one pixel per cell). Same checks, progress, cancel and resume as `segment`.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { FileNotFoundError, InvalidArgumentError, SatError } from '../../shared/errors';
import type { CliCommand } from '../command';
import { parseCommandArgs } from './args';
import { openJobArea } from './segment';

const usage = `Usage: satdifuser classify <raster> [--aoi <geojson>] [--head <head>|--default] [--grid --out <labels.tif>]
                           [--overlap <pixels>] [--json] [--store <file>]

Classifies the whole raster or the AOI into one scene class (printed, with the class probabilities), or with
--grid every cell of a grid over it (cell = backbone tile − overlap) into a scene-label GeoTIFF whose pixels are
the cells.

Options:
  --aoi <file>        GeoJSON polygon (WGS 84 unless it has a crs member)
  --head <head>       a trained classification head; --default: the shipped default head
  --grid              classify every cell; needs --out
  --out <labels.tif>  the scene-label raster (uint8 class ids, colour table, class names; nodata 255)
  --overlap <pixels>  context around each cell (default 0)
  --json              print the result as JSON`;

export const command: CliCommand = {
  name: 'classify',
  summary: 'Classify a raster or an AOI (one label), or every cell of a grid into a scene-label raster',
  usage,
  async run(args, ctx) {
    const { values, positionals } = parseCommandArgs(args, {
      aoi: { type: 'string' }, head: { type: 'string' }, default: { type: 'boolean' }, grid: { type: 'boolean' }, out: { type: 'string' },
      overlap: { type: 'string' }, json: { type: 'boolean' }, store: { type: 'string' },
    }, usage);
    const problems: string[] = [];
    if (positionals.length !== 1) problems.push(positionals.length ? 'give exactly one raster' : 'give the raster to classify');
    if (values.grid && typeof values.out !== 'string') problems.push('--grid needs --out <labels.tif>');
    if (!values.grid && values.out !== undefined) problems.push('--out is for --grid (a scene-label raster)');
    if (typeof values.out === 'string' && !/\.tiff?$/i.test(values.out)) problems.push('--out must be a .tif file');
    if (values.head !== undefined && values.default) problems.push('give either --head <head> or --default, not both');
    if (problems.length) throw new InvalidArgumentError(`satdifuser classify: ${problems.join('; ')}.`, usage);
    const raster = positionals[0];
    if (!existsSync(raster)) throw new FileNotFoundError(raster, 'raster');
    const area = await openJobArea(raster, typeof values.aoi === 'string' ? values.aoi : null, ctx.signal);
    await area.source.close();
    if (typeof values.head === 'string') {
      if (!existsSync(resolve(values.head))) throw new FileNotFoundError(values.head, 'head');
      throw new SatError('NOT_IMPLEMENTED', `Running the classification head "${values.head}" needs head inference (fusion + linear decoder per tile), which has not landed yet (issue 6).`, {
        hint: 'Tiling, caching, the journal and the scene-label raster are ready and tested with reference heads; this command will run once head inference is merged.',
        details: { missing: 'head inference' },
      });
    }
    throw new SatError('NOT_IMPLEMENTED', 'There is no default classification model yet: the trained default backbone (issue 5) and a default head (issue 6) have not been shipped.', {
      hint: 'Use --head <head> with a trained head once head inference lands.',
      details: { missing: 'default backbone + default head' },
    });
  },
};
