// The status bar: cursor position in the map CRS and in lon/lat, map scale, CRS, the execution provider the
// engine actually used, the running job, the last measurement, and (web mode) the connection.
import { useCursor, useEngine, useJobs, useProject, useRuntime, useUi } from '../AppContext';
import { formatArea, formatCoordinate, formatDms, formatLength, formatScale, mapScale } from '../map/measureFormat';
import { runningJob } from '../state/jobOps';
import { crsRefFor } from '../map/projection';
import { isPixelCrs } from '../../shared/contract';

function useCrsInfo() {
  const crs = useProject((s) => s.content.crs);
  const info = useRuntime((rt) => Object.values(rt).find((r) => r.raster?.info.crs && crsRefFor(r.raster.info.crs) === crs)?.raster?.info.crs ?? null);
  return { crs, info };
}

function formatEta(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return '';
  if (s < 60) return `${Math.ceil(s)} s left`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s left`;
}

export function StatusBar() {
  const xy = useCursor((s) => s.map);
  const lonLat = useCursor((s) => s.lonLat);
  const resolution = useCursor((s) => s.resolution);
  const { crs, info } = useCrsInfo();
  const provider = useEngine((s) => s.info?.executionProvider.detail ?? '…');
  const connection = useEngine((s) => s.connection);
  const kind = useEngine((s) => s.info?.host);
  const job = useJobs((j) => runningJob(j));
  const measure = useUi((s) => s.measure);
  const units = info?.units ?? (crs === 'EPSG:4326' ? 'degree' : 'm');
  const mpu = units === 'degree' ? 111_319.49 : units === 'ft' ? 0.3048 : units === 'us-ft' ? 0.3048006096 : 1;
  const pixel = isPixelCrs(crs);
  const pct = job?.progress && job.progress.total > 0 ? Math.floor((100 * job.progress.done) / job.progress.total) : null;
  return (
    <footer className="statusbar" data-testid="statusbar">
      <span className="cell coords" title="Cursor position in the map CRS" data-testid="coords">
        {xy ? (pixel ? `x ${xy[0].toFixed(1)} px, y ${xy[1].toFixed(1)} px` : `${formatCoordinate(xy[0], units)}, ${formatCoordinate(xy[1], units)}`) : '—'}
      </span>
      <span className="cell lonlat" title="Cursor position in WGS 84" data-testid="lonlat">
        {lonLat ? `${formatDms(lonLat[1], 'lat')} ${formatDms(lonLat[0], 'lon')}` : ''}
      </span>
      <span className="cell scale" title={pixel ? 'Zoom: image pixels per screen pixel' : 'Map scale'} data-testid="scale">{resolution ? (pixel ? `zoom ${Math.round(100 / resolution)} %` : formatScale(mapScale(resolution, mpu))) : '—'}</span>
      <span className="cell crs" title={pixel ? 'The image has no georeferencing: positions are its pixel column and row (y grows downwards)' : info?.definition ?? crs ?? 'No CRS yet: the first georeferenced layer sets it'} data-testid="crs">
        {pixel ? 'No CRS · pixel coordinates' : crs ? (info ? `${crs.startsWith('EPSG:') ? crs : 'Custom CRS'} · ${info.name}` : crs) : 'No CRS'}
      </span>
      {measure && (
        <span className="cell measure" data-testid="measure">
          {measure.pixels ? (measure.kind === 'length' ? `Distance ${measure.value.toFixed(1)} px` : `Area ${Math.round(measure.value).toLocaleString('en-US')} px²`) : measure.kind === 'length' ? `Distance ${formatLength(measure.value)} (ellipsoidal ${formatLength(measure.geodesic)})` : `Area ${formatArea(measure.value)} (ellipsoidal ${formatArea(measure.geodesic)})`}
        </span>
      )}
      <span className="grow" />
      {job && (
        <span className="cell job" data-testid="status-job">
          {job.title}{pct !== null ? ` ${pct}%` : '…'} {formatEta(job.progress?.etaSeconds ?? null)}
          <progress max={100} value={pct ?? undefined} />
        </span>
      )}
      <span className="cell provider" title="Execution provider the engine actually uses" data-testid="provider">Engine: {provider}</span>
      {kind === 'web' && <span className={`cell conn ${connection}`} title="Connection to the local engine">{connection === 'open' ? '● connected' : connection === 'connecting' ? '○ connecting…' : '× disconnected'}</span>}
    </footer>
  );
}
