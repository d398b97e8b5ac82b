// @vitest-environment happy-dom
// The Training panel in a DOM: Estimate asks the engine with the panel's settings and shows what the run will
// cost (and what that is based on); a changed setting clears the stale estimate; Delete removes a head after
// confirmation and clears it from the analysis settings when it was in use.
import { act } from 'react';
import { createRoot } from 'react-dom/client';
import { afterEach, describe, expect, it } from 'vitest';
import { AppContext } from '../../src/renderer/AppContext';
import { EngineClient } from '../../src/renderer/client/engineClient';
import type { Transport } from '../../src/renderer/client/transport';
import { TrainingPanel } from '../../src/renderer/components/TrainingPanel';
import { addLayer, setAnalysis } from '../../src/renderer/state/actions';
import { AppModel } from '../../src/renderer/state/appModel';
import { describeTrainEstimate } from '../../src/renderer/state/analysisOps';
import type { HeadSummary, TrainEstimate } from '../../src/shared/contract';
import { serializeError } from '../../src/shared/errors';

(globalThis as any).IS_REACT_ACT_ENVIRONMENT = true;

const estimate: TrainEstimate = {
  tiles: 4, samples: 10, crop: 128, batch: 8, stepsPerEpoch: 8, maxEpochs: 40, maxSteps: 320, parameters: 717_832,
  memory: { optimizerBytes: 11 * 2 ** 20, featureBytes: 2 * 2 ** 20, batchBytes: 2 * 2 ** 20, activationBytes: 289 * 2 ** 20, totalBytes: 304 * 2 ** 20 },
  extractSeconds: 2, stepSeconds: 0.39, expectedSeconds: 0.39 * 320 + 2, timingSource: 'measured', device: 'cpu', basis: 'from the test',
};

const head: HeadSummary = { id: 'h1', name: 'GW light', task: 'segmentation', backboneId: 'pixels', fusion: 'gw', size: 'light', classes: [], metrics: null, createdAt: '', tileSize: 256 };

function fakeModel(answer: (method: string, params: any) => unknown) {
  const calls: { method: string; params: any }[] = [];
  const transport: Transport = {
    kind: 'web', connection: 'open',
    request: async (method, params) => {
      calls.push({ method, params });
      try {
        return { kind: 'response', id: 1, ok: true, result: await answer(method, params) };
      } catch (e) {
        return { kind: 'response', id: 1, ok: false, error: serializeError(e) };
      }
    },
    onEvent: () => () => undefined, onConnection: () => () => undefined, rasterUrl: (id) => `/raster/${id}`, close: () => undefined,
  };
  const model = new AppModel(new EngineClient(transport));
  model.perform(addLayer, { layer: { kind: 'raster', id: 'L', name: 'scene.tif', path: '/s.tif', visible: true, opacity: 1, style: { mode: 'gray', bands: [0], stretch: { kind: 'minmax', ranges: [[0, 1]] }, nodataTransparent: true } }, crs: 'EPSG:31985' });
  model.setRuntime('L', { status: 'ready', error: null, raster: { rasterId: 'R', name: 's', info: {} as never, served: { kind: 'original', bytes: 1, note: null } }, stats: null, vector: null });
  return { model, calls };
}

let container: HTMLDivElement;
afterEach(() => container?.remove());

async function render(model: AppModel) {
  container = document.createElement('div');
  document.body.appendChild(container);
  const root = createRoot(container);
  await act(async () => root.render(<AppContext.Provider value={{ model, map: null }}><TrainingPanel /></AppContext.Provider>));
}

describe('Training panel', () => {
  it('formats the estimate in words a user reads', () => {
    expect(describeTrainEstimate(estimate)).toEqual([
      '4 labelled tiles → 10 training samples of 128 px, batch 8',
      'at most 320 steps (8 × 40 epochs; early stopping usually ends sooner)',
      '717,832 head parameters; up to 304 MiB of memory (Adam state 11 MiB, features 2 MiB, one batch 2 MiB, training step 289 MiB)',
      'up to 2 min (390 ms per step, measured + 2 s feature extraction)',
    ]);
    expect(describeTrainEstimate({ ...estimate, stepSeconds: null, expectedSeconds: null, timingSource: 'unknown' })[3]).toBe('time unknown until a first training run is measured on this machine');
  });

  it('estimates with the panel\'s settings before Train, and drops the estimate when a setting changes', async () => {
    const { model, calls } = fakeModel((method) => (method === 'train.estimate' ? estimate : null));
    await render(model);
    await act(async () => (container.querySelector('[data-testid="train-estimate"]') as HTMLButtonElement).click());
    const req = calls.find((c) => c.method === 'train.estimate')!.params;
    expect(req).toMatchObject({ rasterId: 'R', size: 'light', maxEpochs: 40, holdoutFraction: 0.2, fusion: 'gw' });
    const shown = container.querySelector('[data-testid="train-estimate-result"]')!;
    expect(shown.textContent).toContain('at most 320 steps');
    expect(shown.textContent).toContain('from the test');
    await act(async () => model.perform(setAnalysis, { fusion: 'lw' }));
    expect(container.querySelector('[data-testid="train-estimate-result"]')).toBeNull();
  });

  it('deletes a head after confirmation and stops using it', async () => {
    let heads = [head];
    const { model, calls } = fakeModel((method) => {
      if (method === 'heads.delete') { heads = []; return { deleted: true }; }
      if (method === 'models.list') return { backbones: [], heads };
      return null;
    });
    model.engine.set((s) => ({ ...s, models: { backbones: [], heads } }));
    model.perform(setAnalysis, { headId: 'h1' });
    await render(model);
    const confirm = window.confirm;
    let asked = '';
    window.confirm = (m?: string) => { asked = m ?? ''; return true; };
    try {
      await act(async () => (container.querySelector('[data-testid="delete-head"]') as HTMLButtonElement).click());
    } finally {
      window.confirm = confirm;
    }
    expect(asked).toContain('"GW light"');
    expect(calls.find((c) => c.method === 'heads.delete')!.params).toEqual({ headId: 'h1' });
    expect(model.project.get().content.analysis.headId).toBeNull();
    expect(container.querySelector('[data-testid="head-list"]')).toBeNull();
    expect(container.textContent).toContain('No heads yet.');
  });
});
