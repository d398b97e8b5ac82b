// Training: a head on the project's labels (fusion, light or faithful), the live loss curve, per-class holdout
// metrics, apply; the heads list with their metrics; export and import of heads.
import { useEffect, useState } from 'react';
import type { HeadSize, TrainEstimate } from '../../shared/contract';
import { useEngine, useJobs, useModel, useProject, NONE } from '../AppContext';
import { setAnalysis } from '../state/actions';
import { describeTrainEstimate, trainRequest } from '../state/analysisOps';
import { refreshModels } from '../state/jobOps';
import { fusionNames, RasterSelect, useTargetLayer } from './AnalysePanel';
import { ErrorMessage } from './ErrorMessage';
import { JobProgress } from './JobProgress';
import { LossChart } from './LossChart';
import { MetricsTable } from './MetricsTable';
import { BackboneSelect } from './BackboneSelect';
import type { FusionStrategy } from '../../shared/contract';

export function TrainingPanel() {
  const model = useModel();
  const fusion = useProject((s) => s.content.analysis.fusion);
  const labelCount = useProject((s) => s.content.labels.length);
  const heads = useEngine((s) => s.models?.heads ?? NONE);
  const activeHead = useProject((s) => s.content.analysis.headId);
  const [layerId, setLayerId] = useTargetLayer();
  const [size, setSize] = useState<HeadSize>('light');
  const [holdout, setHoldout] = useState(0.2);
  const [epochs, setEpochs] = useState(40);
  const [name, setName] = useState('');
  const [jobId, setJobId] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [estimate, setEstimate] = useState<TrainEstimate | null>(null);
  const [estimating, setEstimating] = useState(false);
  const labels = useProject((s) => s.content.labels);
  const backboneId = useProject((s) => s.content.analysis.backboneId);
  // An estimate is for the settings it was asked with: any change makes it stale.
  useEffect(() => setEstimate(null), [fusion, size, holdout, epochs, labels, layerId, backboneId]);
  const job = useJobs((j) => (jobId ? j[jobId] ?? null : null));
  const trained = job?.outcome?.status === 'succeeded' && job.outcome.result.kind === 'train' ? job.outcome.result.train : null;

  const request = () => {
    if (!layerId) throw new Error('Add a raster layer first.');
    return trainRequest(model, layerId, { name: name.trim() || `${fusion.toUpperCase()} ${size} head`, size, holdoutFraction: holdout, maxEpochs: epochs });
  };

  const start = async () => {
    setError(null);
    try {
      setJobId((await model.client.call('train.start', request())).jobId);
    } catch (e) {
      setError(e);
    }
  };

  const runEstimate = async () => {
    setError(null);
    setEstimating(true);
    try {
      setEstimate(await model.client.call('train.estimate', request()));
    } catch (e) {
      setEstimate(null);
      setError(e);
    } finally {
      setEstimating(false);
    }
  };

  const exportHead = async (headId: string, headName: string) => {
    const path = await model.chooseFile({ mode: 'save', title: 'Export head', kinds: ['head'], extension: '.safetensors', suggestedName: `${headName}.safetensors` });
    if (!path) return;
    try {
      await model.client.call('heads.export', { headId, path });
      model.notify(`Head exported to ${path}`);
    } catch (e) {
      setError(e);
    }
  };

  const deleteHead = async (headId: string, headName: string) => {
    if (!window.confirm(`Delete the head "${headName}"? Its weights and metrics are removed from this machine (export it first to keep a copy).`)) return;
    setError(null);
    try {
      await model.client.call('heads.delete', { headId });
      if (model.project.get().content.analysis.headId === headId) model.perform(setAnalysis, { headId: null });
      await refreshModels(model);
    } catch (e) {
      setError(e);
    }
  };

  const importHead = async () => {
    const path = await model.chooseFile({ mode: 'open', title: 'Import head', kinds: ['head'] });
    if (!path) return;
    try {
      await model.client.call('heads.import', { path });
      await refreshModels(model);
    } catch (e) {
      setError(e);
    }
  };

  return (
    <div className="dock-panel" data-testid="training-panel">
      <RasterSelect value={layerId} onChange={setLayerId} />
      <BackboneSelect />
      <label className="field"><span>Fusion</span>
        <select value={fusion} onChange={(e) => model.perform(setAnalysis, { fusion: e.target.value as FusionStrategy })} data-testid="train-fusion">
          {(Object.keys(fusionNames) as FusionStrategy[]).map((f) => <option key={f} value={f}>{fusionNames[f]}</option>)}
        </select>
      </label>
      <label className="field"><span>Size</span>
        <select value={size} onChange={(e) => setSize(e.target.value as HeadSize)}>
          <option value="light">Light — interactive on a CPU (narrow fusion, small decoder)</option>
          <option value="faithful">Faithful — the paper's widths (384-d fusion, UPerNet 512); slow on a CPU</option>
        </select>
      </label>
      <div className="field-row">
        <label className="field small"><span>Holdout</span>
          <select value={holdout} onChange={(e) => setHoldout(Number(e.target.value))}>
            {[0.1, 0.2, 0.3].map((v) => <option key={v} value={v}>{v * 100}% of polygons</option>)}
          </select>
        </label>
        <label className="field small"><span>Max epochs</span>
          <input type="number" min={1} max={500} value={epochs} onChange={(e) => setEpochs(Number(e.target.value))} data-testid="train-epochs" />
        </label>
      </div>
      <label className="field"><span>Name</span><input value={name} placeholder={`${fusion.toUpperCase()} ${size} head`} onChange={(e) => setName(e.target.value)} /></label>
      <div className="buttons">
        <button onClick={() => void runEstimate()} disabled={!layerId || estimating} data-testid="train-estimate">{estimating ? 'Estimating…' : 'Estimate'}</button>
        <button className="primary" onClick={() => void start()} disabled={!layerId} data-testid="train">Train on {labelCount} label{labelCount === 1 ? '' : 's'}</button>
      </div>
      {estimate && (
        <ul className="estimate" data-testid="train-estimate-result" title={estimate.basis}>
          {describeTrainEstimate(estimate).map((l) => <li key={l}>{l}</li>)}
          <li className="basis">{estimate.basis}</li>
        </ul>
      )}
      {error != null && <ErrorMessage error={error} onDismiss={() => setError(null)} />}
      {job && job.loss.length > 0 && <LossChart points={job.loss} />}
      <JobProgress jobId={jobId} />
      {trained && (
        <div className="trained" data-testid="train-result">
          <div className="subhead">Holdout metrics — {trained.head.name}</div>
          <MetricsTable metrics={trained.metrics} />
          <button className="primary" onClick={() => model.perform(setAnalysis, { headId: trained.head.id, fusion: trained.head.fusion, backboneId: trained.head.backboneId })} data-testid="apply-head">Apply (use for segmentation)</button>
        </div>
      )}
      <div className="subhead">Heads</div>
      {heads.length === 0 ? <p className="empty">No heads yet.</p> : (
        <ul className="head-list" data-testid="head-list">
          {heads.map((h) => (
            <li key={h.id} className={h.id === activeHead ? 'active' : ''}>
              <div><b>{h.name}</b> · {h.fusion.toUpperCase()} · {h.size} · {h.classes.length} classes{h.metrics ? ` · mIoU ${(h.metrics.mIoU * 100).toFixed(1)}` : ''}</div>
              <div className="row-buttons">
                <button className="link" onClick={() => model.perform(setAnalysis, { headId: h.id, fusion: h.fusion, backboneId: h.backboneId })}>Use</button>
                <button className="link" onClick={() => void exportHead(h.id, h.name)}>Export…</button>
                <button className="link danger" onClick={() => void deleteHead(h.id, h.name)} data-testid="delete-head">Delete</button>
              </div>
            </li>
          ))}
        </ul>
      )}
      <button onClick={() => void importHead()}>Import head…</button>
    </div>
  );
}
