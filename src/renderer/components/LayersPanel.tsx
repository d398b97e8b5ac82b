// The layers panel (QGIS's "Layers"): topmost layer first; visibility, opacity, order, zoom to, style, remove;
// a layer that failed to open says why on its own row.
import { useState } from 'react';
import type { ProjectLayer } from '../../shared/contract';
import { useModel, useProject, useRuntime, useUi } from '../AppContext';
import { moveLayer, removeLayer, renameLayer, setLayerOpacity, setLayerVisibility } from '../state/actions';
import { layerExtent } from '../state/layerOps';
import { hex } from '../state/project';
import { errorText } from './ErrorMessage';
import { Icon } from './Icon';

const kindLabel: Record<ProjectLayer['kind'], string> = {
  raster: 'Raster', vector: 'Vector', mask: 'Class mask', probability: 'Probability', disagreement: 'Disagreement',
};

function Legend({ layer }: { layer: ProjectLayer }) {
  if (layer.kind === 'mask') {
    return <ul className="legend">{layer.classes.map((c) => <li key={c.id}><span className="swatch" style={{ background: hex(c.color) }} />{c.name}</li>)}</ul>;
  }
  if (layer.kind === 'disagreement') {
    return <ul className="legend"><li><span className="swatch" style={{ background: '#ffaa00' }} />1 head disagrees</li><li><span className="swatch" style={{ background: '#dc0028' }} />2+ disagree</li></ul>;
  }
  return null;
}

function LayerRow({ layer, index, count }: { layer: ProjectLayer; index: number; count: number }) {
  const model = useModel();
  const rt = useRuntime((s) => s[layer.id]);
  const selected = useUi((s) => s.selectedLayerId === layer.id);
  const [renaming, setRenaming] = useState(false);
  const err = rt?.status === 'error' ? errorText(rt.error) : null;
  const zoom = () => {
    const e = layerExtent(model, layer.id);
    if (e) model.zoomTo(e);
  };
  return (
    <li className={`layer-row${selected ? ' selected' : ''}${err ? ' failed' : ''}`} data-layer-id={layer.id} data-kind={layer.kind} onClick={() => model.setUi({ selectedLayerId: layer.id })}>
      <div className="layer-main">
        <input type="checkbox" checked={layer.visible} aria-label={`Show ${layer.name}`} onChange={(e) => model.perform(setLayerVisibility, { id: layer.id, visible: e.target.checked })} onClick={(e) => e.stopPropagation()} />
        <span className="layer-kind" title={kindLabel[layer.kind]}><Icon name={layer.kind === 'vector' ? 'vector' : 'raster'} size={15} /></span>
        {renaming ? (
          <input className="layer-rename" autoFocus defaultValue={layer.name} onBlur={(e) => { model.perform(renameLayer, { id: layer.id, name: e.target.value }); setRenaming(false); }} onKeyDown={(e) => { if (e.key === 'Enter') (e.target as HTMLInputElement).blur(); if (e.key === 'Escape') setRenaming(false); }} />
        ) : (
          <span className="layer-name" title={layer.path} onDoubleClick={() => setRenaming(true)}>{layer.name}</span>
        )}
        {rt?.status === 'loading' && <span className="spinner" aria-label="Loading" />}
      </div>
      {err && <div className="layer-error" role="alert">{err.message}{err.hint && <div className="error-hint">{err.hint}</div>}</div>}
      {selected && (
        <div className="layer-tools" onClick={(e) => e.stopPropagation()}>
          <label className="opacity" title="Opacity">
            <span>Opacity</span>
            <input type="range" min={0} max={100} value={Math.round(layer.opacity * 100)} aria-label="Opacity" onChange={(e) => model.perform(setLayerOpacity, { id: layer.id, opacity: Number(e.target.value) / 100 })} />
            <span className="num">{Math.round(layer.opacity * 100)}%</span>
          </label>
          <div className="row-buttons">
            <button className="icon" title="Zoom to layer" disabled={!rt?.raster && !rt?.vector} onClick={zoom}><Icon name="target" size={16} /></button>
            {layer.kind === 'raster' && <button className="icon" title="Style: bands and stretch" disabled={!rt?.raster} onClick={() => model.setUi({ dialog: { kind: 'style', layerId: layer.id } })}><Icon name="style" size={16} /></button>}
            <button className="icon" title="Move up" disabled={index === count - 1} onClick={() => model.perform(moveLayer, { id: layer.id, delta: 1 })}><Icon name="up" size={16} /></button>
            <button className="icon" title="Move down" disabled={index === 0} onClick={() => model.perform(moveLayer, { id: layer.id, delta: -1 })}><Icon name="down" size={16} /></button>
            <button className="icon danger" title="Remove layer" onClick={() => model.perform(removeLayer, { id: layer.id })}><Icon name="trash" size={16} /></button>
          </div>
        </div>
      )}
      <Legend layer={layer} />
    </li>
  );
}

export function LayersPanel() {
  const layers = useProject((s) => s.content.layers);
  const labelsCount = useProject((s) => s.content.labels.length);
  const hasAoi = useProject((s) => s.content.aoi !== null);
  return (
    <section className="panel layers-panel" aria-label="Layers">
      <header className="panel-header">Layers</header>
      {layers.length === 0 ? (
        <p className="empty">No layers. Use <b>Layer → Add Raster Layer</b>, drop a GeoTIFF on the map, or add the sample scene.</p>
      ) : (
        <ul className="layer-list" data-testid="layer-list">
          {[...layers].reverse().map((l) => <LayerRow key={l.id} layer={l} index={layers.indexOf(l)} count={layers.length} />)}
        </ul>
      )}
      <ul className="overlay-list">
        <li>Labels: {labelsCount} polygon{labelsCount === 1 ? '' : 's'}</li>
        <li>Analysis area: {hasAoi ? 'drawn' : 'none'}</li>
      </ul>
    </section>
  );
}
