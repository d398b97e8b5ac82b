// Raster display: default band combination and stretch (QGIS-like: RGB from the bands named red/green/blue,
// else the first three; cumulative-count cut 2–98 %), and the OpenLayers WebGL style expression that applies
// them to raw band values (the GeoTIFF source runs with normalize: false, so values are data values).
import type { RasterStatistics, RasterStyle, StretchSpec } from '../../shared/contract';
import type { RasterInfo } from '../../shared/raster';

type Expr = unknown[] | number;

function bandByName(info: RasterInfo, names: RegExp): number | null {
  const i = info.bandNames.findIndex((n) => !!n && names.test(n));
  return i >= 0 ? i : null;
}

export function defaultBands(info: RasterInfo): { mode: 'rgb' | 'gray'; bands: number[] } {
  if (info.bands < 3) return { mode: 'gray', bands: [0] };
  const r = bandByName(info, /\bred\b/i);
  const g = bandByName(info, /\bgreen\b/i);
  const b = bandByName(info, /\bblue\b/i);
  if (r !== null && g !== null && b !== null) return { mode: 'rgb', bands: [r, g, b] };
  return { mode: 'rgb', bands: [0, 1, 2] };
}

export function stretchFor(kind: StretchSpec['kind'], bands: readonly number[], stats: RasterStatistics | null, info: RasterInfo): StretchSpec {
  const ranges = bands.map((b): [number, number] => {
    const s = stats?.bands.find((x) => x.band === b);
    if (!s || !Number.isFinite(s.min)) return dataTypeRange(info);
    if (kind === 'minmax') return [s.min, s.max];
    if (kind === 'stddev') return [Math.max(s.min, s.mean - 2 * s.stdDev), Math.min(s.max, s.mean + 2 * s.stdDev)];
    return [s.p2, s.p98];
  });
  return { kind, ranges };
}

export function dataTypeRange(info: RasterInfo): [number, number] {
  switch (info.dataType) {
    case 'uint8': return [0, 255];
    case 'int8': return [-128, 127];
    case 'uint16': return [0, 65535];
    case 'int16': return [-32768, 32767];
    default: return [0, 1];
  }
}

export function defaultRasterStyle(info: RasterInfo, stats: RasterStatistics | null): RasterStyle {
  const { mode, bands } = defaultBands(info);
  return { mode, bands, stretch: stretchFor('percentile', bands, stats, info), nodataTransparent: true };
}

/** 0..1 from a data value, linear between the stretch range, clamped. */
function stretched(bandIndex1: number, range: readonly [number, number]): Expr {
  const [lo, hi] = range;
  const span = hi - lo || 1;
  return ['clamp', ['/', ['-', ['band', bandIndex1], lo], span], 0, 1];
}

/**
 * The WebGL tile style for a raster whose source reads `style.bands` (in that order) and, when `hasAlpha`, a
 * trailing alpha band that is 0 on nodata pixels.
 */
export function rasterStyleExpression(style: RasterStyle, hasAlpha: boolean): { color: Expr } {
  const n = style.bands.length;
  const alpha: Expr = hasAlpha && style.nodataTransparent ? ['band', n + 1] : 1;
  if (style.mode === 'gray') {
    const v = stretched(1, style.stretch.ranges[0] ?? [0, 255]);
    return { color: ['array', v, v, v, alpha] };
  }
  return { color: ['array', stretched(1, style.stretch.ranges[0] ?? [0, 255]), stretched(2, style.stretch.ranges[1] ?? [0, 255]), stretched(3, style.stretch.ranges[2] ?? [0, 255]), alpha] };
}
