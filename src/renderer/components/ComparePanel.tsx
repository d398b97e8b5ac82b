// Compare: two or three heads (typically one per fusion strategy) on the same cached features; synchronized views
// or a swipe, the disagreement layer, and per-class scores on the user's held-out labels.
import { useState } from 'react';
import { useEngine, useJobs, useModel, useProject, NONE } from '../AppContext';
import { compareRequest } from '../state/analysisOps';
import { RasterSelect, useTargetLayer } from './AnalysePanel';
import { ErrorMessage } from './ErrorMessage';
import { JobProgress } from './JobProgress';
import { CompareMetricsTable } from './MetricsTable';

export function ComparePanel({ onShow }: { onShow: (v: { jobId: string; mode: 'side' | 'swipe'; baseLayerId: string | null } | null) => void }) {
  const model = useModel();
  const heads = useEngine((s) => s.models?.heads ?? NONE);
  const labels = useProject((s) => s.content.labels.length);
  const [layerId, setLayerId] = useTargetLayer();
  const [chosen, setChosen] = useState<string[]>([]);
  const [mode, setMode] = useState<'side' | 'swipe'>('side');
  const [useHoldout, setUseHoldout] = useState(true);
  const [jobId, setJobId] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const job = useJobs((j) => (jobId ? j[jobId] ?? null : null));
  const result = job?.outcome?.status === 'succeeded' && job.outcome.result.kind === 'compare' ? job.outcome.result.compare : null;
  const toggle = (id: string) => setChosen((c) => (c.includes(id) ? c.filter((x) => x !== id) : c.length < 3 ? [...c, id] : c));

  const run = async () => {
    setError(null);
    try {
      if (!layerId) throw new Error('Add a raster layer first.');
      const ticket = await model.client.call('compare.start', compareRequest(model, layerId, chosen, useHoldout));
      setJobId(ticket.jobId);
    } catch (e) {
      setError(e);
    }
  };

  return (
    <div className="dock-panel" data-testid="compare-panel">
      <RasterSelect value={layerId} onChange={setLayerId} />
      <div className="subhead">Heads to compare (2–3)</div>
      {heads.length === 0 ? <p className="empty">No trained heads yet: train one per fusion strategy in the Training panel.</p> : (
        <ul className="head-list">
          {heads.map((h) => (
            <li key={h.id}><label><input type="checkbox" checked={chosen.includes(h.id)} onChange={() => toggle(h.id)} /> {h.name} · {h.fusion.toUpperCase()}</label></li>
          ))}
        </ul>
      )}
      <label className="field"><span>View</span>
        <select value={mode} onChange={(e) => setMode(e.target.value as 'side' | 'swipe')}>
          <option value="side">Synchronized maps side by side</option>
          <option value="swipe">Swipe between two heads</option>
        </select>
      </label>
      <label className="check"><input type="checkbox" checked={useHoldout} onChange={(e) => setUseHoldout(e.target.checked)} /> Score on my label polygons ({labels})</label>
      {useHoldout && <p className="note">Scores use every label polygon, including those the heads trained on; for an unbiased comparison, draw fresh polygons the heads have not seen.</p>}
      <div className="buttons">
        <button className="primary" onClick={() => void run()} data-testid="run-compare">Compare</button>
      </div>
      {error != null && <ErrorMessage error={error} onDismiss={() => setError(null)} />}
      <JobProgress jobId={jobId} />
      {result && (
        <>
          <CompareMetricsTable rows={result.metrics.map((m, i) => ({ name: `${result.results[i]?.fusion.toUpperCase() ?? m.headId}`, metrics: m.metrics }))} />
          <button onClick={() => onShow({ jobId: jobId!, mode, baseLayerId: layerId })} data-testid="show-compare">Show {mode === 'side' ? 'side by side' : 'swipe'}</button>
        </>
      )}
    </div>
  );
}
