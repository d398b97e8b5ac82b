// Labelling: the class palette (add, rename, recolour, delete), drawing and editing label polygons, importing
// labels from GeoJSON / Shapefile / GeoPackage, and the count and area per class.
import { useMemo, useState } from 'react';
import { useModel, useProject, useUi } from '../AppContext';
import { addClass, deleteLabels, recolorClass, removeClass, renameClass } from '../state/actions';
import { labelCounts } from '../state/labelImport';
import { hex, nextClassColor, nextClassId, parseHex } from '../state/project';
import { formatArea } from '../map/measureFormat';
import { ErrorMessage } from './ErrorMessage';

export function LabelsPanel() {
  const model = useModel();
  const classes = useProject((s) => s.content.classes);
  const labels = useProject((s) => s.content.labels);
  const crs = useProject((s) => s.content.crs);
  const active = useUi((s) => s.activeClassId);
  const tool = useUi((s) => s.tool);
  const selected = useUi((s) => s.selectedLabelIds);
  const [error, setError] = useState<unknown>(null);
  const counts = useMemo(() => labelCounts(labels), [labels]);

  const add = () => {
    const cls = { id: nextClassId(classes), name: `Class ${classes.length + 1}`, color: nextClassColor(classes) };
    model.perform(addClass, { cls });
    model.setUi({ activeClassId: cls.id });
  };

  const importLabels = async () => {
    setError(null);
    const path = await model.chooseFile({ mode: 'open', title: 'Import labels', kinds: ['vector'] });
    if (!path) return;
    try {
      const dataset = await model.client.call('vector.read', { path, crs: crs ?? 'EPSG:3857' });
      model.setUi({ dialog: { kind: 'importLabels', dataset } });
    } catch (e) {
      setError(e);
    }
  };

  return (
    <div className="dock-panel" data-testid="labels-panel">
      <div className="subhead">Classes</div>
      <ul className="class-list" data-testid="class-list">
        {classes.map((c) => {
          const n = counts.get(c.id);
          return (
            <li key={c.id} className={c.id === active ? 'active' : ''} data-class-id={c.id}>
              <input type="radio" name="active-class" checked={c.id === active} onChange={() => model.setUi({ activeClassId: c.id })} aria-label={`Draw as ${c.name}`} />
              <input type="color" value={hex(c.color)} aria-label={`Colour of ${c.name}`} onChange={(e) => model.perform(recolorClass, { id: c.id, color: parseHex(e.target.value) })} />
              <input className="class-name" defaultValue={c.name} key={c.name} aria-label="Class name" onBlur={(e) => model.perform(renameClass, { id: c.id, name: e.target.value })} onKeyDown={(e) => e.key === 'Enter' && (e.target as HTMLInputElement).blur()} />
              <span className="count" title={n ? formatArea(n.area) : ''}>{n?.count ?? 0}</span>
              <button className="icon danger" title={n ? `Delete class and its ${n.count} labels (undoable)` : 'Delete class'} onClick={() => model.perform(removeClass, { id: c.id })}>×</button>
            </li>
          );
        })}
      </ul>
      <div className="buttons">
        <button onClick={add}>Add class</button>
        <button onClick={() => void importLabels()}>Import labels…</button>
      </div>
      <div className="subhead">Label polygons</div>
      <div className="buttons">
        <button className={tool === 'labelDraw' ? 'active' : ''} aria-pressed={tool === 'labelDraw'} onClick={() => model.setUi({ tool: tool === 'labelDraw' ? 'pan' : 'labelDraw' })} data-testid="label-draw">Draw</button>
        <button className={tool === 'labelEdit' ? 'active' : ''} aria-pressed={tool === 'labelEdit'} onClick={() => model.setUi({ tool: tool === 'labelEdit' ? 'pan' : 'labelEdit' })}>Select / edit</button>
        <button disabled={!selected.length} onClick={() => { model.perform(deleteLabels, { ids: selected }); model.setUi({ selectedLabelIds: [] }); }}>Delete selected{selected.length ? ` (${selected.length})` : ''}</button>
      </div>
      <p className="note" data-testid="label-summary">{labels.length} polygon{labels.length === 1 ? '' : 's'} in {counts.size} class{counts.size === 1 ? '' : 'es'}. Training needs at least two classes.</p>
      {error != null && <ErrorMessage error={error} onDismiss={() => setError(null)} />}
    </div>
  );
}
