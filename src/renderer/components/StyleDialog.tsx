// Raster style (QGIS's Symbology, multiband colour / singleband grey): bands, stretch, nodata transparency.
import { useState } from 'react';
import type { RasterStyle, StretchSpec } from '../../shared/contract';
import { useModel, useProject, useRuntime } from '../AppContext';
import { setRasterStyle } from '../state/actions';
import { stretchFor } from '../map/rasterStyle';
import { Modal } from './Modal';

export function StyleDialog({ layerId }: { layerId: string }) {
  const model = useModel();
  const layer = useProject((s) => s.content.layers.find((l) => l.id === layerId));
  const rt = useRuntime((s) => s[layerId]);
  const close = () => model.setUi({ dialog: null });
  const [style, setStyle] = useState<RasterStyle | null>(layer?.kind === 'raster' ? layer.style : null);
  if (!layer || layer.kind !== 'raster' || !rt?.raster || !style) return null;
  const info = rt.raster.info;
  const names = info.bandNames.map((n, i) => `Band ${i + 1}${n ? ` — ${n}` : ''}`);
  const channels = style.mode === 'rgb' ? ['Red', 'Green', 'Blue'] : ['Grey'];

  const update = (patch: Partial<RasterStyle>) => {
    const next = { ...style, ...patch };
    const bands = next.mode === 'rgb' ? (next.bands.length === 3 ? next.bands : [0, 1, 2].map((b) => Math.min(b, info.bands - 1))) : [next.bands[0] ?? 0];
    const stretch = patch.stretch ?? (next.stretch.kind === 'manual' && bands.length === next.stretch.ranges.length ? next.stretch : stretchFor(next.stretch.kind === 'manual' ? 'percentile' : next.stretch.kind, bands, rt.stats, info));
    setStyle({ ...next, bands, stretch });
  };
  const setKind = (kind: StretchSpec['kind']) => update({ stretch: kind === 'manual' ? { kind, ranges: style.stretch.ranges } : stretchFor(kind, style.bands, rt.stats, info) });
  const setRange = (i: number, j: 0 | 1, v: number) => {
    const ranges = style.stretch.ranges.map((r, k): readonly [number, number] => (k === i ? (j === 0 ? [v, r[1]] : [r[0], v]) : r));
    update({ stretch: { kind: 'manual', ranges } });
  };

  return (
    <Modal title={`Style — ${layer.name}`} onClose={close} footer={<>
      <button onClick={close}>Cancel</button>
      <button onClick={() => model.perform(setRasterStyle, { id: layerId, style })}>Apply</button>
      <button className="primary" onClick={() => { model.perform(setRasterStyle, { id: layerId, style }); close(); }}>OK</button>
    </>}>
      <label className="field"><span>Render type</span>
        <select value={style.mode} disabled={info.bands < 3} onChange={(e) => update({ mode: e.target.value as RasterStyle['mode'] })}>
          <option value="rgb">Multiband colour</option>
          <option value="gray">Singleband grey</option>
        </select>
      </label>
      <label className="field"><span>Stretch</span>
        <select value={style.stretch.kind} onChange={(e) => setKind(e.target.value as StretchSpec['kind'])}>
          <option value="percentile">Cumulative count cut 2–98 %</option>
          <option value="minmax">Min / max</option>
          <option value="stddev">Mean ± 2 standard deviations</option>
          <option value="manual">Manual</option>
        </select>
      </label>
      <table className="style-bands">
        <thead><tr><th>Channel</th><th>Band</th><th>Min</th><th>Max</th></tr></thead>
        <tbody>
          {channels.map((ch, i) => (
            <tr key={ch}>
              <td>{ch}</td>
              <td><select value={style.bands[i]} onChange={(e) => update({ bands: style.bands.map((b, k) => (k === i ? Number(e.target.value) : b)) })}>
                {names.map((n, b) => <option key={b} value={b}>{n}</option>)}
              </select></td>
              <td><input type="number" value={style.stretch.ranges[i]?.[0] ?? 0} onChange={(e) => setRange(i, 0, Number(e.target.value))} /></td>
              <td><input type="number" value={style.stretch.ranges[i]?.[1] ?? 255} onChange={(e) => setRange(i, 1, Number(e.target.value))} /></td>
            </tr>
          ))}
        </tbody>
      </table>
      <label className="check"><input type="checkbox" checked={style.nodataTransparent} onChange={(e) => update({ nodataTransparent: e.target.checked })} disabled={info.nodata === null} /> Nodata transparent {info.nodata === null ? '(this raster declares no nodata value)' : `(value ${info.nodata})`}</label>
      {rt.stats && <p className="note">Statistics from {rt.stats.sampledFrom}{rt.stats.approximate ? ' (approximate)' : ''}.</p>}
    </Modal>
  );
}
