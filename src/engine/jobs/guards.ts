// Checks before a job: what the head was trained on against what the raster is. A mismatch is a warning,
// not a refusal: the user may know better (e.g. a head trained at 0.6 m applied to 0.5 m imagery).
import type { JobWarning } from '../../shared/jobs';
import type { RasterInfo } from '../../shared/raster';
import type { HeadExpectations, InputPreparer } from './model';

/** Ground sample distance in metres, or null when the CRS units are unknown. */
export function gsdMetres(info: RasterInfo): number | null {
  if (!info.georeferenced || !info.crs) return null;
  const [px, py] = info.pixelSize;
  const size = Math.sqrt(Math.abs(px * py));
  switch (info.crs.units) {
    case 'm':
      return size;
    case 'ft':
      return size * 0.3048;
    case 'us-ft':
      return size * (1200 / 3937);
    case 'degree': {
      const lat = info.origin[1] + (info.height / 2) * info.pixelSize[1];
      const mPerDeg = 111_320;
      return Math.sqrt(Math.abs(px * mPerDeg * Math.cos((lat * Math.PI) / 180) * py * mPerDeg));
    }
    default:
      return null;
  }
}

/** Area of one pixel in km², or null when it cannot be known. */
export function pixelAreaKm2(info: RasterInfo): number | null {
  const g = gsdMetres(info);
  return g === null ? null : (g * g) / 1e6;
}

export function headWarnings(info: RasterInfo, preparer: InputPreparer, expects: HeadExpectations | undefined): JobWarning[] {
  const out: JobWarning[] = [];
  const outOfRange = preparer.bands.filter((b) => b < 0 || b >= info.bands);
  if (outOfRange.length > 0) {
    out.push({ code: 'BANDS_MISMATCH', message: `The raster has ${info.bands} band(s); band(s) ${outOfRange.map((b) => b + 1).join(', ')} requested by the model do not exist.` });
  }
  if (expects?.bands !== undefined && expects.bands !== info.bands) {
    out.push({
      code: 'BANDS_MISMATCH',
      message: `The head was trained on ${expects.bands}-band imagery; this raster has ${info.bands} band(s). Check the band selection (bands ${preparer.bands.map((b) => b + 1).join(', ')} are used).`,
    });
  }
  if (expects?.bandNames && info.bandNames.some((n) => n !== null)) {
    const used = preparer.bands.map((b) => info.bandNames[b] ?? null);
    const differs = expects.bandNames.some((n, i) => used[i] !== null && used[i]!.toLowerCase() !== n.toLowerCase());
    if (differs) out.push({ code: 'BANDS_MISMATCH', message: `The head expects bands ${expects.bandNames.join(', ')}; this raster's selected bands are ${used.map((u) => u ?? '?').join(', ')}.` });
  }
  const gsd = gsdMetres(info);
  if (expects?.gsdMetres) {
    const [lo, hi] = expects.gsdMetres;
    // Training GSDs come from float geotransforms (28.49999999927454); three significant digits say it.
    const trained = lo === hi || Number(lo.toPrecision(3)) === Number(hi.toPrecision(3)) ? `${Number(lo.toPrecision(3))}` : `${Number(lo.toPrecision(3))}–${Number(hi.toPrecision(3))}`;
    if (gsd === null) {
      out.push({ code: 'NO_CRS', message: `The raster's ground sample distance is unknown (no georeferencing or unknown units); the head was trained at ${trained} m.` });
    } else if (gsd < lo / 1.5 || gsd > hi * 1.5) {
      out.push({
        code: 'GSD_MISMATCH',
        message: `The raster's ground sample distance is ${gsd.toPrecision(3)} m; the head was trained at ${trained} m. Results may be poor: resample the raster (gdalwarp -tr) or use a head trained at this resolution.`,
      });
    }
  }
  return out;
}
