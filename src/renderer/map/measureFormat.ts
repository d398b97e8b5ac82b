// Human-readable lengths, areas, coordinates and map scales, as a GIS status bar shows them.
export function formatLength(metres: number): string {
  if (!Number.isFinite(metres)) return '—';
  return metres >= 1000 ? `${(metres / 1000).toFixed(3)} km` : `${metres.toFixed(2)} m`;
}

export function formatArea(m2: number): string {
  if (!Number.isFinite(m2)) return '—';
  if (m2 >= 1e6) return `${(m2 / 1e6).toFixed(4)} km²`;
  if (m2 >= 1e4) return `${(m2 / 1e4).toFixed(3)} ha`;
  return `${m2.toFixed(1)} m²`;
}

/** 1:N scale for a view resolution in map units per pixel, with OGC's 0.28 mm standard pixel. */
export function mapScale(resolution: number, metersPerUnit: number): number {
  return (resolution * metersPerUnit) / 0.00028;
}

export function formatScale(scale: number): string {
  if (!Number.isFinite(scale) || scale <= 0) return '—';
  const rounded = scale >= 1000 ? Math.round(scale / 10) * 10 : Math.round(scale);
  return `1:${rounded.toLocaleString('en-US')}`;
}

export function formatCoordinate(v: number, units: 'm' | 'degree' | string): string {
  return units === 'degree' || units === 'degrees' ? v.toFixed(6) : v.toFixed(2);
}

/** 7°59'43.35"S style, for the lon/lat readout. */
export function formatDms(value: number, axis: 'lon' | 'lat'): string {
  const hemi = axis === 'lat' ? (value < 0 ? 'S' : 'N') : value < 0 ? 'W' : 'E';
  const a = Math.abs(value);
  let d = Math.floor(a);
  let m = Math.floor((a - d) * 60);
  let s = (a - d - m / 60) * 3600;
  if (s >= 59.995) { s = 0; m += 1; }
  if (m >= 60) { m = 0; d += 1; }
  return `${d}°${String(m).padStart(2, '0')}'${s.toFixed(2).padStart(5, '0')}"${hemi}`;
}
