// The compare view over the map area: synchronized maps (one per head) or a swipe between two heads' masks.
import { useEffect, useRef, useState } from 'react';
import type { CompareResult } from '../../shared/contract';
import { useModel, useServices } from '../AppContext';
import { buildRasterLayer } from '../map/layerFactory';
import { createSyncedMaps, installSwipe } from '../map/compareMaps';
import type WebGLTileLayer from 'ol/layer/WebGLTile';

export function CompareView({ result, mode, baseLayerId, onClose }: { result: CompareResult; mode: 'side' | 'swipe'; baseLayerId: string | null; onClose: () => void }) {
  const services = useServices();
  const model = useModel();
  const refs = useRef<(HTMLDivElement | null)[]>([]);
  const [swipe, setSwipe] = useState(0.5);
  const setSwipeRef = useRef<(f: number) => void>(() => undefined);

  useEffect(() => {
    const view = services.map?.map.getView();
    if (!view) return;
    const viewCode = view.getProjection().getCode();
    const baseSpec = model.project.get().content.layers.find((l) => l.id === baseLayerId);
    const baseRt = baseLayerId ? model.runtime.get()[baseLayerId] : undefined;
    const base = () => (baseSpec && baseRt?.raster ? [buildRasterLayer(baseSpec, baseRt.raster, model.client.rasterUrl(baseRt.raster.rasterId), viewCode).layer] : []);
    const mask = (i: number) => {
      const out = result.results[i]!;
      return buildRasterLayer({ kind: 'mask', id: `cmp-${i}`, name: '', path: out.mask.info.path, resultId: out.resultId, classes: out.classes, visible: true, opacity: 0.75 }, out.mask, model.client.rasterUrl(out.mask.rasterId), viewCode).layer;
    };
    const targets = (mode === 'side' ? result.results.map((_, i) => refs.current[i]) : [refs.current[0]]).filter((t): t is HTMLDivElement => !!t);
    const maps = createSyncedMaps(targets, view, (i) => (mode === 'side' ? [...base(), mask(i)] : [...base(), mask(0), mask(1)]));
    if (mode === 'swipe' && maps[0]) {
      const top = maps[0].getLayers().item(maps[0].getLayers().getLength() - 1) as WebGLTileLayer;
      setSwipeRef.current = installSwipe(maps[0], top, 0.5);
    }
    return () => maps.forEach((m) => m.setTarget(undefined));
  }, [result, mode, baseLayerId, model, services]);

  useEffect(() => setSwipeRef.current(swipe), [swipe]);

  const names = result.results.map((r) => `${r.fusion.toUpperCase()} head`);
  return (
    <div className="compare-view" data-testid="compare-view">
      <div className="compare-bar">
        <span>{mode === 'side' ? 'Synchronized views' : `Swipe: ${names[0]} (left) / ${names[1]} (right)`} · heads disagree on {(result.disagreementFraction * 100).toFixed(1)}% of pixels</span>
        <button onClick={onClose}>Close compare view</button>
      </div>
      {mode === 'side' ? (
        <div className={`compare-grid n${result.results.length}`}>
          {result.results.map((_, i) => (
            <div key={i} className="compare-cell">
              <div className="compare-label">{names[i]}</div>
              <div className="map" ref={(el) => { refs.current[i] = el; }} />
            </div>
          ))}
        </div>
      ) : (
        <div className="compare-cell single">
          <div className="map" ref={(el) => { refs.current[0] = el; }} />
          <input className="swipe" type="range" min={0} max={100} value={swipe * 100} aria-label="Swipe position" onChange={(e) => setSwipe(Number(e.target.value) / 100)} />
        </div>
      )}
    </div>
  );
}
