// Export: mask or probabilities as GeoTIFF, or polygons as Shapefile / GeoPackage / GeoJSON, with simplification,
// minimum area and output CRS, and a preview of how many features the vector export will write.
import { useMemo, useState } from 'react';
import { isPixelCrs, type ExportFormat, type ExportPreview, type VectorExportOptions } from '../../shared/contract';
import { useJobs, useModel, useProject } from '../AppContext';
import { useStore } from '../state/store';
import { ErrorMessage } from './ErrorMessage';
import { JobProgress } from './JobProgress';
import { Modal } from './Modal';

const formats: { id: ExportFormat; label: string; ext: string }[] = [
  { id: 'mask-geotiff', label: 'Class mask — GeoTIFF (tiled, DEFLATE, colour table)', ext: '.tif' },
  { id: 'probabilities-geotiff', label: 'Class probabilities — GeoTIFF (percent, one band per class)', ext: '.tif' },
  { id: 'geopackage', label: 'Polygons — GeoPackage', ext: '.gpkg' },
  { id: 'shapefile', label: 'Polygons — Shapefile', ext: '.shp' },
  { id: 'geojson', label: 'Polygons — GeoJSON (WGS 84)', ext: '.geojson' },
];

export function ExportDialog() {
  const model = useModel();
  const results = useStore(model.results, (s) => s.segments);
  const crs = useProject((s) => s.content.crs);
  const layers = useProject((s) => s.content.layers);
  // Results shown as mask layers (this session's or a reopened project's), newest last.
  const list = useMemo(() => {
    const out = new Map<string, string>();
    for (const l of layers) if (l.kind === 'mask' && l.resultId) out.set(l.resultId, l.name);
    for (const r of Object.values(results)) if (!out.has(r.resultId)) out.set(r.resultId, `${r.fusion.toUpperCase()} result`);
    return [...out].map(([resultId, name]) => ({ resultId, name }));
  }, [layers, results]);
  const [resultId, setResultId] = useState(list[list.length - 1]?.resultId ?? '');
  const [format, setFormat] = useState<ExportFormat>('mask-geotiff');
  const [path, setPath] = useState('');
  const [tolerance, setTolerance] = useState(0);
  const [minArea, setMinArea] = useState(0);
  const [crsChoice, setCrsChoice] = useState<'raster' | 'wgs84' | 'custom'>('raster');
  const [customCrs, setCustomCrs] = useState('');
  const [preview, setPreview] = useState<ExportPreview | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [jobId, setJobId] = useState<string | null>(null);
  const done = useJobs((j) => {
    const o = jobId ? j[jobId]?.outcome : null;
    return o?.status === 'succeeded' && o.result.kind === 'export' ? o.result.export : null;
  });
  const isVector = !format.endsWith('geotiff');
  // An image without georeferencing gives results without a CRS: they are written in its pixel coordinates.
  const pixel = isPixelCrs(crs);
  const close = () => model.setUi({ dialog: null });
  const vector = (): VectorExportOptions => ({
    simplifyTolerance: tolerance, minArea, classIds: null,
    crs: pixel || crsChoice === 'raster' ? null : crsChoice === 'wgs84' ? 'EPSG:4326' : customCrs.trim() || null,
  });
  const ext = formats.find((f) => f.id === format)!.ext;

  const choosePath = async () => {
    const p = await model.chooseFile({ mode: 'save', title: 'Export to', kinds: isVector ? ['vector'] : ['raster'], extension: ext, suggestedName: `segmentation${ext}` });
    if (p) setPath(p);
  };
  const doPreview = async () => {
    setError(null);
    try {
      setPreview(await model.client.call('export.preview', { resultId, format, vector: vector() }));
    } catch (e) {
      setError(e);
    }
  };
  const doExport = async () => {
    setError(null);
    try {
      if (!path) throw new Error('Choose where to save the export.');
      setJobId((await model.client.call('export.start', { resultId, format, path, vector: vector() })).jobId);
    } catch (e) {
      setError(e);
    }
  };

  return (
    <Modal title="Export results" onClose={close} wide footer={<>
      <button onClick={close}>Close</button>
      {isVector && <button onClick={() => void doPreview()} data-testid="export-preview">Preview feature count</button>}
      <button className="primary" onClick={() => void doExport()} data-testid="export-run">Export</button>
    </>}>
      <label className="field"><span>Result</span>
        <select value={resultId} onChange={(e) => setResultId(e.target.value)} data-testid="export-result">
          {list.length === 0 && <option value="">— no segmentation result in this session yet —</option>}
          {list.map((r) => <option key={r.resultId} value={r.resultId}>{r.name}</option>)}
        </select>
      </label>
      <label className="field"><span>Format</span>
        <select value={format} onChange={(e) => { setFormat(e.target.value as ExportFormat); setPreview(null); }} data-testid="export-format">
          {formats.map((f) => <option key={f.id} value={f.id} disabled={pixel && f.id === 'geojson'}>{f.label}{pixel && f.id === 'geojson' ? ' — needs a CRS' : ''}</option>)}
        </select>
      </label>
      {pixel && <p className="note" data-testid="export-no-crs">The source image has no georeferencing: files are written in its pixel coordinates (column, row; y grows downwards) with no CRS. GeoJSON, which is always WGS 84, is not available.</p>}
      <div className="field"><span>File</span>
        <div className="path-row"><input data-testid="export-path" value={path} placeholder={`…/segmentation${ext}`} onChange={(e) => setPath(e.target.value)} /><button onClick={() => void choosePath()}>Browse…</button></div>
      </div>
      {isVector && (
        <fieldset>
          <legend>Polygons</legend>
          <div className="field-row">
            <label className="field small"><span>Simplify tolerance ({pixel ? 'pixels' : 'map units'})</span><input type="number" min={0} step={0.5} value={tolerance} onChange={(e) => { setTolerance(Number(e.target.value)); setPreview(null); }} /></label>
            <label className="field small"><span>Minimum area ({pixel ? 'pixels' : 'map units²'})</span><input type="number" min={0} step={10} value={minArea} onChange={(e) => { setMinArea(Number(e.target.value)); setPreview(null); }} /></label>
          </div>
          <label className="field"><span>CRS</span>
            {pixel ? <select disabled value="none"><option value="none">None — pixel coordinates</option></select> : (
              <select value={format === 'geojson' ? 'wgs84' : crsChoice} disabled={format === 'geojson'} onChange={(e) => setCrsChoice(e.target.value as typeof crsChoice)}>
                <option value="raster">Raster CRS ({crs ?? 'unknown'})</option>
                <option value="wgs84">WGS 84 (EPSG:4326)</option>
                <option value="custom">Other EPSG code…</option>
              </select>
            )}
          </label>
          {!pixel && crsChoice === 'custom' && format !== 'geojson' && <input value={customCrs} placeholder="EPSG:32725" onChange={(e) => setCustomCrs(e.target.value)} />}
          {preview && <p className="note" data-testid="export-count">{preview.featureCount.toLocaleString('en-US')} features will be written ({preview.perClass.map((c) => `class ${c.classId}: ${c.count}`).join(', ')}), {preview.crs === 'none' ? 'with no CRS (pixel coordinates)' : `in ${preview.crs.startsWith('EPSG:') ? preview.crs : 'the raster\'s custom CRS'}`}.</p>}
        </fieldset>
      )}
      {error != null && <ErrorMessage error={error} onDismiss={() => setError(null)} />}
      <JobProgress jobId={jobId} />
      {done && (
        <p className="note" data-testid="export-written">
          Wrote {done.files.map((f) => f.split(/[\\/]/).pop()).join(', ')}{done.featureCount !== null ? ` (${done.featureCount.toLocaleString('en-US')} features)` : ''} — {done.crs === null ? 'no CRS: pixel coordinates of the source image' : `CRS ${done.crs.startsWith('EPSG:') ? done.crs : 'custom (the raster\'s)'}`}.
        </p>
      )}
    </Modal>
  );
}
