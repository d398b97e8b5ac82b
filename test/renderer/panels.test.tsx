// @vitest-environment happy-dom
// Panels in a DOM: an error in one panel stays in that panel; a layer that failed to open says why on its row;
// the Analyse panel shows the engine's NOT_IMPLEMENTED message where the user clicked.
import { act } from 'react';
import { createRoot } from 'react-dom/client';
import { afterEach, describe, expect, it } from 'vitest';
import { AppContext } from '../../src/renderer/AppContext';
import { EngineClient } from '../../src/renderer/client/engineClient';
import type { Transport } from '../../src/renderer/client/transport';
import { AnalysePanel } from '../../src/renderer/components/AnalysePanel';
import { LayersPanel } from '../../src/renderer/components/LayersPanel';
import { PanelBoundary } from '../../src/renderer/components/PanelBoundary';
import { addLayer } from '../../src/renderer/state/actions';
import { AppModel } from '../../src/renderer/state/appModel';
import type { HeadSummary } from '../../src/shared/contract';
import { SatError, serializeError } from '../../src/shared/errors';

(globalThis as any).IS_REACT_ACT_ENVIRONMENT = true;

function fakeModel(answer: (method: string, params: any) => unknown) {
  const transport: Transport = {
    kind: 'web', connection: 'open',
    request: async (method, params) => {
      try {
        return { kind: 'response', id: 1, ok: true, result: await answer(method, params) };
      } catch (e) {
        return { kind: 'response', id: 1, ok: false, error: serializeError(e) };
      }
    },
    onEvent: () => () => undefined, onConnection: () => () => undefined, rasterUrl: (id) => `/raster/${id}`, close: () => undefined,
  };
  return new AppModel(new EngineClient(transport));
}

let container: HTMLDivElement;
afterEach(() => container?.remove());

async function render(model: AppModel, node: React.ReactNode) {
  container = document.createElement('div');
  document.body.appendChild(container);
  const root = createRoot(container);
  await act(async () => root.render(<AppContext.Provider value={{ model, map: null }}>{node}</AppContext.Provider>));
  return root;
}

function Boom(): never {
  throw new Error('kaboom');
}

describe('panels', () => {
  it('an error in one panel does not blank its neighbour', async () => {
    const model = fakeModel(() => null);
    const errors = console.error;
    console.error = () => undefined;
    try {
      await render(model, <><PanelBoundary name="Broken"><Boom /></PanelBoundary><PanelBoundary name="Layers"><LayersPanel /></PanelBoundary></>);
    } finally {
      console.error = errors;
    }
    expect(container.querySelector('[data-panel="Broken"]')!.textContent).toContain('The Broken panel stopped working');
    expect(container.textContent).toContain('kaboom');
    expect(container.querySelector('.layers-panel')).not.toBeNull();
  });

  it('shows why a layer failed to open on its own row', async () => {
    const model = fakeModel(() => null);
    model.perform(addLayer, { layer: { kind: 'raster', id: 'L', name: 'scene.tif', path: '/gone/scene.tif', visible: true, opacity: 1, style: { mode: 'gray', bands: [0], stretch: { kind: 'minmax', ranges: [[0, 1]] }, nodataTransparent: true } } });
    model.setRuntime('L', { status: 'error', error: new SatError('FILE_NOT_FOUND', 'The raster "/gone/scene.tif" does not exist.', { hint: 'Check the path.' }), raster: null, stats: null, vector: null });
    await render(model, <LayersPanel />);
    const row = container.querySelector('[data-layer-id="L"]')!;
    expect(row.classList.contains('failed')).toBe(true);
    expect(row.querySelector('[role="alert"]')!.textContent).toContain('does not exist');
    expect(row.textContent).toContain('Check the path.');
  });

  it('shows the engine\'s NOT_IMPLEMENTED answer in the Analyse panel', async () => {
    const model = fakeModel((method) => {
      if (method === 'segment.start') throw new SatError('NOT_IMPLEMENTED', 'Segmentation is not available in this build: the heads are not built yet.');
      return null;
    });
    model.perform(addLayer, { layer: { kind: 'raster', id: 'L', name: 'scene.tif', path: '/s.tif', visible: true, opacity: 1, style: { mode: 'gray', bands: [0], stretch: { kind: 'minmax', ranges: [[0, 1]] }, nodataTransparent: true } } });
    model.setRuntime('L', { status: 'ready', error: null, raster: { rasterId: 'R', name: 's', info: {} as never, served: { kind: 'original', bytes: 1, note: null } }, stats: null, vector: null });
    await render(model, <AnalysePanel />);
    const run = container.querySelector('[data-testid="run-segment"]') as HTMLButtonElement;
    await act(async () => run.click());
    const alert = container.querySelector('[role="alert"]')!;
    expect(alert.getAttribute('data-code')).toBe('NOT_IMPLEMENTED');
    expect(alert.textContent).toContain('Not available yet');
    expect(alert.textContent).toContain('the heads are not built yet');
  });

  it('preselects the head shipped with the backbone and runs with it; a head the user picks wins', async () => {
    const sent: any[] = [];
    const model = fakeModel((method, params) => {
      if (method === 'segment.start') {
        sent.push(params);
        return { jobId: `j${sent.length}` };
      }
      return null;
    });
    const head = (id: string, fusion: 'gw' | 'lw', name: string): HeadSummary => ({ id, name, task: 'segmentation', backboneId: 'satdifuser-tiny', fusion, size: 'light', classes: [], metrics: null, createdAt: '2026-11-27T00:00:00Z', tileSize: 256 });
    model.engine.set((e) => ({ ...e, models: { backbones: [], heads: [head('default:sample-landcover', 'gw', 'sample-landcover'), head('user-1', 'gw', 'my head'), head('user-2', 'lw', 'lw head')] } }));
    model.perform(addLayer, { layer: { kind: 'raster', id: 'L', name: 'scene.tif', path: '/s.tif', visible: true, opacity: 1, style: { mode: 'gray', bands: [0], stretch: { kind: 'minmax', ranges: [[0, 1]] }, nodataTransparent: true } } });
    model.setRuntime('L', { status: 'ready', error: null, raster: { rasterId: 'R', name: 's', info: {} as never, served: { kind: 'original', bytes: 1, note: null } }, stats: null, vector: null });
    await render(model, <AnalysePanel />);
    const select = () => container.querySelector('[data-testid="analyse-head"]') as HTMLSelectElement;
    expect(select().value).toBe('default:sample-landcover');
    expect(model.project.get().content.analysis.headId).toBeNull(); // shown, not written into the project
    const run = container.querySelector('[data-testid="run-segment"]') as HTMLButtonElement;
    await act(async () => run.click());
    expect(sent[0].headId).toBe('default:sample-landcover');
    await act(async () => {
      select().value = 'user-1';
      select().dispatchEvent(new Event('change', { bubbles: true }));
    });
    expect(select().value).toBe('user-1');
    await act(async () => run.click());
    expect(sent.at(-1).headId).toBe('user-1');
  });
});
