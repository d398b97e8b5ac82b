// Commands: what the native menu, the in-page menu, toolbar buttons and keyboard shortcuts run. One table, so
// Ctrl+Z does the same thing from every entry point.
import type { MenuCommand, MenuCommandMessage } from '../shared/contract';
import type { AppServices } from './AppContext';
import { deleteLabels, removeLayer } from './state/actions';
import { addRasterLayer, addVectorLayer, layerExtent, rasterExtentInMap, mapCrsCode } from './state/layerOps';
import { newProject, openProject, saveProject, saveProjectAs } from './state/projectOps';

type Run = (s: AppServices, message: MenuCommandMessage) => unknown;

function isTextInput(): boolean {
  const el = document.activeElement as HTMLElement | null;
  return !!el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable);
}

export const commands: Record<MenuCommand, { label: string; run: Run }> = {
  'project.new': { label: 'New project', run: ({ model }) => newProject(model) },
  'project.open': { label: 'Open project…', run: ({ model }) => openProject(model) },
  'project.openRecent': { label: 'Open recent', run: ({ model }, m) => (m.path ? openProject(model, m.path) : undefined) },
  'project.save': { label: 'Save', run: ({ model }) => saveProject(model) },
  'project.saveAs': { label: 'Save as…', run: ({ model }) => saveProjectAs(model) },
  'layer.addRaster': {
    label: 'Add raster layer…',
    run: async ({ model }) => {
      const path = await model.chooseFile({ mode: 'open', title: 'Add raster layer', kinds: ['raster'] });
      if (path) await addRasterLayer(model, path);
    },
  },
  'layer.addVector': {
    label: 'Add vector layer…',
    run: async ({ model }) => {
      const path = await model.chooseFile({ mode: 'open', title: 'Add vector layer', kinds: ['vector'] });
      if (path) await addVectorLayer(model, path);
    },
  },
  'layer.addSample': {
    label: 'Add sample scene',
    run: async ({ model }) => {
      const sample = model.engine.get().info?.sampleScene;
      if (!sample) model.notify('The sample scene is not installed with this copy of the app.', 'error');
      else await addRasterLayer(model, sample);
    },
  },
  'layer.remove': {
    label: 'Remove layer',
    run: ({ model }) => {
      const id = model.ui.get().selectedLayerId;
      if (id) model.perform(removeLayer, { id });
    },
  },
  'layer.zoomTo': {
    label: 'Zoom to layer',
    run: ({ model }) => {
      const id = model.ui.get().selectedLayerId;
      const extent = id ? layerExtent(model, id) : null;
      if (extent) model.zoomTo(extent);
    },
  },
  'edit.undo': { label: 'Undo', run: ({ model }) => (isTextInput() ? document.execCommand('undo') : model.undo()) },
  'edit.redo': { label: 'Redo', run: ({ model }) => (isTextInput() ? document.execCommand('redo') : model.redo()) },
  'edit.delete': {
    label: 'Delete selected',
    run: ({ model }) => {
      if (isTextInput()) return document.execCommand('forwardDelete');
      const ids = model.ui.get().selectedLabelIds;
      if (ids.length) {
        model.perform(deleteLabels, { ids });
        model.setUi({ selectedLabelIds: [] });
      }
    },
  },
  'view.zoomIn': { label: 'Zoom in', run: ({ map }) => map?.zoomBy(1) },
  'view.zoomOut': { label: 'Zoom out', run: ({ map }) => map?.zoomBy(-1) },
  'view.fullExtent': {
    label: 'Zoom full',
    run: ({ model }) => {
      const mapCrs = mapCrsCode(model);
      const exts = Object.values(model.runtime.get()).flatMap((r) => (r.raster ? [rasterExtentInMap(r.raster, mapCrs)] : []));
      if (exts.length) model.zoomTo([Math.min(...exts.map((e) => e[0])), Math.min(...exts.map((e) => e[1])), Math.max(...exts.map((e) => e[2])), Math.max(...exts.map((e) => e[3]))]);
    },
  },
  'export.open': { label: 'Export results…', run: ({ model }) => model.setUi({ dialog: { kind: 'export' } }) },
  'help.about': { label: 'About', run: ({ model }) => model.setUi({ dialog: { kind: 'about' } }) },
};

export function runCommand(s: AppServices, message: MenuCommandMessage): void {
  const c = commands[message.command];
  if (!c) return;
  Promise.resolve()
    .then(() => c.run(s, message))
    .catch((e) => s.model.reportError(e, c.label));
}

/** Keyboard shortcuts for web mode (in Electron the native menu owns them). */
export function shortcutFor(e: KeyboardEvent): MenuCommand | null {
  const mod = e.ctrlKey || e.metaKey;
  const k = e.key.toLowerCase();
  if (mod && e.shiftKey && k === 's') return 'project.saveAs';
  if (mod && e.shiftKey && k === 'z') return 'edit.redo';
  if (mod && e.shiftKey && k === 'r') return 'layer.addRaster';
  if (mod && !e.shiftKey && !e.altKey) {
    if (k === 'n') return 'project.new';
    if (k === 'o') return 'project.open';
    if (k === 's') return 'project.save';
    if (k === 'z') return 'edit.undo';
    if (k === 'y') return 'edit.redo';
    if (k === 'e') return 'export.open';
  }
  if (!mod && (e.key === 'Delete' || e.key === 'Backspace') && !isTextInput()) return 'edit.delete';
  return null;
}
