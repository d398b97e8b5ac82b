// Analyse: which raster, backbone, head and fusion; tiling; the area; the estimate before Run; progress; cancel.
import { useState } from 'react';
import { isPixelCrs, type FusionStrategy, type JobEstimate } from '../../shared/contract';
import { useEngine, useModel, useProject, useUi } from '../AppContext';
import { setAnalysis } from '../state/actions';
import { aoiAreaM2, describeEstimate, effectiveHeadId, rasterLayers, segmentationHeadsFor, segmentRequest } from '../state/analysisOps';
import { ErrorMessage } from './ErrorMessage';
import { JobProgress } from './JobProgress';
import { BackboneSelect } from './BackboneSelect';
import { formatArea } from '../map/measureFormat';

export const fusionNames: Record<FusionStrategy, string> = {
  gw: 'Global Weighted (GW)',
  lw: 'Localized Weighted (LW)',
  moe: 'Mixture of Experts (MoE)',
  concat: 'Concatenation (ablation baseline)',
};

export function useTargetLayer(): [string | null, (id: string) => void] {
  const layers = useProject((s) => s.content.layers);
  const selected = useUi((s) => s.selectedLayerId);
  const [chosen, setChosen] = useState<string | null>(null);
  const rasters = layers.filter((l) => l.kind === 'raster');
  const id = rasters.find((l) => l.id === chosen)?.id ?? rasters.find((l) => l.id === selected)?.id ?? rasters[rasters.length - 1]?.id ?? null;
  return [id, setChosen];
}

export function RasterSelect({ value, onChange }: { value: string | null; onChange: (id: string) => void }) {
  const content = useProject((s) => s.content);
  const rasters = rasterLayers(content);
  return (
    <label className="field">
      <span>Raster</span>
      <select value={value ?? ''} onChange={(e) => onChange(e.target.value)} disabled={!rasters.length}>
        {!rasters.length && <option value="">— add a raster layer first —</option>}
        {rasters.map((l) => <option key={l.id} value={l.id}>{l.name}</option>)}
      </select>
    </label>
  );
}

export function AnalysePanel() {
  const model = useModel();
  const analysis = useProject((s) => s.content.analysis);
  const aoi = useProject((s) => s.content.aoi);
  const crs = useProject((s) => s.content.crs);
  const models = useEngine((s) => s.models);
  const caps = useEngine((s) => s.info?.capabilities);
  const [layerId, setLayerId] = useTargetLayer();
  const [estimate, setEstimate] = useState<JobEstimate | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [jobId, setJobId] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const heads = segmentationHeadsFor(analysis, models?.heads ?? []);
  const pixel = isPixelCrs(crs);
  const area = aoiAreaM2(aoi, crs && !crs.startsWith('EPSG:4326') ? 1 : null);

  const run = async (kind: 'estimate' | 'start') => {
    setError(null);
    setBusy(true);
    try {
      if (!layerId) throw new Error('Add a raster layer first.');
      const req = segmentRequest(model, layerId);
      if (kind === 'estimate') setEstimate(await model.client.call('segment.estimate', req));
      else setJobId((await model.client.call('segment.start', req)).jobId);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="dock-panel" data-testid="analyse-panel">
      <RasterSelect value={layerId} onChange={setLayerId} />
      <BackboneSelect />
      <label className="field">
        <span>Fusion</span>
        <select value={analysis.fusion} onChange={(e) => model.perform(setAnalysis, { fusion: e.target.value as FusionStrategy })} data-testid="analyse-fusion">
          {(Object.keys(fusionNames) as FusionStrategy[]).map((f) => <option key={f} value={f}>{fusionNames[f]}</option>)}
        </select>
      </label>
      <label className="field">
        <span>Head</span>
        <select value={effectiveHeadId(analysis, heads) ?? ''} onChange={(e) => model.perform(setAnalysis, { headId: e.target.value || null })} data-testid="analyse-head">
          <option value="">{heads.length ? '— choose —' : 'No trained head for this fusion'}</option>
          {heads.map((h) => <option key={h.id} value={h.id}>{h.name}{h.id.startsWith('default:') ? ' (shipped with the backbone)' : ''}{h.metrics ? ` · mIoU ${(h.metrics.mIoU * 100).toFixed(1)}` : ''}</option>)}
        </select>
      </label>
      <div className="field-row">
        <label className="field small"><span>Tile (px)</span>
          <input type="number" min={64} max={2048} step={32} value={analysis.tileSize} onChange={(e) => model.perform(setAnalysis, { tileSize: Number(e.target.value) })} />
        </label>
        <label className="field small"><span>Overlap (px)</span>
          <input type="number" min={0} max={512} step={8} value={analysis.overlap} onChange={(e) => model.perform(setAnalysis, { overlap: Number(e.target.value) })} />
        </label>
      </div>
      <div className="field">
        <span>Area</span>
        <div className="aoi-line" data-testid="aoi-status">
          {aoi ? `Drawn area${area !== null ? ` · ${pixel ? `${Math.round(area).toLocaleString('en-US')} px²` : formatArea(area)}` : ''}` : 'Whole raster (draw an area to limit the run)'}
          <button className="link" onClick={() => model.setUi({ tool: 'aoiRect' })}>Rectangle</button>
          <button className="link" onClick={() => model.setUi({ tool: 'aoiPolygon' })}>Polygon</button>
        </div>
      </div>
      {caps && !caps.segment.available && <p className="note">{caps.segment.reason}</p>}
      <div className="buttons">
        <button onClick={() => void run('estimate')} disabled={busy || !layerId} data-testid="estimate">Estimate</button>
        <button className="primary" onClick={() => void run('start')} disabled={busy || !layerId} data-testid="run-segment">Run segmentation</button>
      </div>
      {estimate && (
        <ul className="estimate" data-testid="estimate-result">
          {describeEstimate(estimate).map((l) => <li key={l}>{l}</li>)}
          {estimate.warnings.map((w) => <li key={w.message} className="warning">{w.message}</li>)}
        </ul>
      )}
      {error != null && <ErrorMessage error={error} onDismiss={() => setError(null)} />}
      <JobProgress jobId={jobId} />
    </div>
  );
}
