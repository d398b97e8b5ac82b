// `satdifuser cog <in> <out>`: rewrites any raster the reader opens as a tiled, DEFLATE-compressed,
// cloud-optimized GeoTIFF with internal overviews (GDAL's COG layout), keeping its georeferencing,
// nodata, colour table, band names, metadata and categories. Progress goes to stderr.
import { InvalidArgumentError } from '../../shared/errors';
import { rewriteAsCog, type RewriteOptions } from '../../engine/export/geotiff/rewrite';
import type { CliCommand } from '../command';
import { createProgress, type ProgressReporter } from '../progress';
import { intOption, parseCommandArgs } from './args';

const usage = `Usage: satdifuser cog <in> <out> [options]

Rewrites a GeoTIFF (or any raster satdifuser opens) as a cloud-optimized GeoTIFF: tiled, compressed,
with internal overviews, IFDs first and overviews before full resolution, as GDAL's COG driver writes it.
Georeferencing, nodata, colour table, band names, metadata and category names are kept. <out> is
written to a temporary file beside it and renamed at the end (Ctrl+C leaves no partial file).

Options:
  --tile <px>            tile size: 256 or 512 (default 512; any multiple of 16 is accepted)
  --resampling <m>       overviews: average | nearest | mode (default average; nearest for palette/class rasters)
  --compress <c>         deflate | none (default deflate)
  --level <1-9>          DEFLATE level (default 6)
  --predictor <p>        auto | none | horizontal | float (default auto: horizontal for integers,
                         float for float32/64, none for class rasters)
  --interleave <i>       pixel | band (default pixel)
  --overviews <n|auto>   number of overviews (default auto: until the smallest fits one tile)
  --bigtiff <b>          auto | yes | no (default auto: BigTIFF only past 4 GiB)
  --nodata <v|none>      nodata of the output (default: the source's)
  --quiet                no progress`;

function choice<T extends string>(values: Record<string, string | boolean | undefined>, name: string, allowed: readonly T[]): T | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !allowed.includes(v as T)) throw new InvalidArgumentError(`--${name} must be one of ${allowed.join(', ')} (got "${String(v)}").`, usage);
  return v as T;
}

function nodataOption(v: string | boolean | undefined): number | null | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.trim() === '') throw new InvalidArgumentError('--nodata needs a value (a number, nan, or none).', usage);
  const s = v.trim().toLowerCase();
  if (s === 'none') return null;
  if (s === 'nan') return NaN;
  const n = Number(s);
  if (!Number.isFinite(n)) throw new InvalidArgumentError(`--nodata "${v}" is not a number.`, 'Give a number, nan, or none.');
  return n;
}

const kib = (n: number) => (n >= 2 ** 20 ? `${(n / 2 ** 20).toFixed(1)} MiB` : `${(n / 1024).toFixed(1)} KiB`);

export const command: CliCommand = {
  name: 'cog',
  summary: 'Rewrite a raster as a tiled, compressed cloud-optimized GeoTIFF with overviews',
  usage,
  async run(args, ctx) {
    const { values, positionals } = parseCommandArgs(args, {
      tile: { type: 'string' }, resampling: { type: 'string' }, compress: { type: 'string' }, level: { type: 'string' },
      predictor: { type: 'string' }, interleave: { type: 'string' }, overviews: { type: 'string' }, bigtiff: { type: 'string' },
      nodata: { type: 'string' }, quiet: { type: 'boolean' },
    }, usage);
    if (positionals.length !== 2) throw new InvalidArgumentError(positionals.length < 2 ? 'Give the input raster and the output file.' : 'Give exactly one input and one output.', usage);
    const [input, output] = positionals;
    const overviews = values.overviews === undefined || values.overviews === 'auto' ? 'auto' : intOption(values, 'overviews', 0);
    let tiles: ProgressReporter | null = null;
    let file: ProgressReporter | null = null;
    const options: RewriteOptions = {
      tileSize: intOption(values, 'tile', 512),
      resampling: choice(values, 'resampling', ['average', 'nearest', 'mode'] as const),
      compression: choice(values, 'compress', ['deflate', 'none'] as const),
      level: intOption(values, 'level', 6),
      predictor: choice(values, 'predictor', ['auto', 'none', 'horizontal', 'float'] as const),
      interleave: choice(values, 'interleave', ['pixel', 'band'] as const),
      overviews,
      bigTiff: choice(values, 'bigtiff', ['auto', 'yes', 'no'] as const),
      nodata: nodataOption(values.nodata),
      signal: ctx.signal,
      onProgress: values.quiet ? undefined : (p) => {
        if (p.phase === 'tiles') {
          tiles ??= createProgress('cog: tiles', ctx.stderr);
          tiles.update({ done: p.done, total: p.total, unit: 'tiles' });
        } else {
          if (tiles) { tiles.finish(); tiles = null; }
          file ??= createProgress('cog: file', ctx.stderr);
          file.update({ done: p.done, total: p.total, unit: 'tiles' });
        }
      },
    };
    const r = await rewriteAsCog(input, output, options);
    (file as ProgressReporter | null)?.finish();
    for (const note of r.notes) ctx.stderr.write(`note: ${note}\n`);
    const ovr = r.levels.slice(1).map((l) => `${l.width}×${l.height}`);
    const predictor = r.predictor === 2 ? ', predictor 2' : r.predictor === 3 ? ', predictor 3' : '';
    ctx.stdout.write(`${r.path}: ${r.width}×${r.height}, ${r.bands} band(s) ${r.dataType}, ${r.tileSize}×${r.tileSize} tiles, ` +
      `${r.compression === 'deflate' ? 'DEFLATE' : 'uncompressed'}${predictor}, ${r.interleave} interleave, ` +
      `${ovr.length} overview(s)${ovr.length ? ` (${ovr.join(', ')}, ${r.resampling})` : ''}${r.bigTiff ? ', BigTIFF' : ''}, ${kib(r.bytes)}\n`);
    return 0;
  },
};
