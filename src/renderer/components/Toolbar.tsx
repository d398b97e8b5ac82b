// The map toolbar: project buttons, navigation, the area tools, identify and measure, as QGIS groups them.
import { useServices, useProject, useUi } from '../AppContext';
import { runCommand } from '../commands';
import type { ToolId } from '../state/ui';
import { Icon } from './Icon';
import { setAoi } from '../state/actions';

const tools: { id: ToolId; icon: string; label: string }[] = [
  { id: 'pan', icon: 'pan', label: 'Pan / zoom (drag, wheel)' },
  { id: 'aoiRect', icon: 'rect', label: 'Draw analysis area: rectangle' },
  { id: 'aoiPolygon', icon: 'polygon', label: 'Draw analysis area: polygon' },
  { id: 'identify', icon: 'identify', label: 'Identify pixel values' },
  { id: 'measureLength', icon: 'ruler', label: 'Measure distance' },
  { id: 'measureArea', icon: 'area', label: 'Measure area' },
];

export function Toolbar() {
  const services = useServices();
  const { model } = services;
  const tool = useUi((s) => s.tool);
  const canUndo = useProject((s) => s.past.length > 0);
  const canRedo = useProject((s) => s.future.length > 0);
  const undoLabel = useProject((s) => s.past[s.past.length - 1]?.label ?? '');
  const redoLabel = useProject((s) => s.future[0]?.label ?? '');
  const hasAoi = useProject((s) => s.content.aoi !== null);
  const cmd = (command: Parameters<typeof runCommand>[1]['command']) => () => runCommand(services, { command });
  return (
    <div className="toolbar" role="toolbar" aria-label="Map tools">
      <button className="tool" title="Open project (Ctrl+O)" onClick={cmd('project.open')}><Icon name="open" /></button>
      <button className="tool" title="Save project (Ctrl+S)" onClick={cmd('project.save')}><Icon name="save" /></button>
      <span className="sep" />
      <button className="tool" title="Add raster layer" onClick={cmd('layer.addRaster')} data-testid="add-raster"><Icon name="raster" /></button>
      <button className="tool" title="Add vector layer" onClick={cmd('layer.addVector')}><Icon name="vector" /></button>
      <span className="sep" />
      <button className="tool" title={canUndo ? `Undo ${undoLabel} (Ctrl+Z)` : 'Nothing to undo'} disabled={!canUndo} onClick={cmd('edit.undo')} data-testid="undo"><Icon name="undo" /></button>
      <button className="tool" title={canRedo ? `Redo ${redoLabel} (Ctrl+Y)` : 'Nothing to redo'} disabled={!canRedo} onClick={cmd('edit.redo')} data-testid="redo"><Icon name="redo" /></button>
      <span className="sep" />
      <button className="tool" title="Zoom in" onClick={cmd('view.zoomIn')}><Icon name="zoomIn" /></button>
      <button className="tool" title="Zoom out" onClick={cmd('view.zoomOut')}><Icon name="zoomOut" /></button>
      <button className="tool" title="Zoom to all layers" onClick={cmd('view.fullExtent')}><Icon name="full" /></button>
      <span className="sep" />
      {tools.map((t) => (
        <button key={t.id} className={`tool${tool === t.id ? ' active' : ''}`} title={t.label} aria-pressed={tool === t.id} data-tool={t.id} onClick={() => model.setUi({ tool: t.id })}>
          <Icon name={t.icon} />
        </button>
      ))}
      {hasAoi && <button className="text-button" title="Remove the analysis area" onClick={() => model.perform(setAoi, { aoi: null })}>Clear area</button>}
    </div>
  );
}
