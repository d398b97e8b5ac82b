// The application menu, with the shortcuts QGIS and ArcGIS Pro users expect. Items send a MenuCommand to the
// renderer, where each command is a registered action (so undo/redo, delete... behave the same from the menu,
// the toolbar and the keyboard).
import type { MenuItemConstructorOptions } from 'electron';
import { basename } from 'node:path';
import type { MenuCommandMessage } from '../shared/contract';

export interface MenuOptions {
  readonly isMac: boolean;
  readonly recentProjects: readonly string[];
  readonly dev: boolean;
}

export function buildMenuTemplate(send: (m: MenuCommandMessage) => void, opts: MenuOptions): MenuItemConstructorOptions[] {
  const cmd = (label: string, command: MenuCommandMessage['command'], accelerator?: string): MenuItemConstructorOptions => ({
    label, accelerator, click: () => send({ command }),
  });
  const recent: MenuItemConstructorOptions[] = opts.recentProjects.length
    ? opts.recentProjects.map((path) => ({ label: basename(path), sublabel: path, click: () => send({ command: 'project.openRecent', path }) }))
    : [{ label: 'No recent projects', enabled: false }];
  const template: MenuItemConstructorOptions[] = [];
  if (opts.isMac) template.push({ role: 'appMenu' });
  template.push(
    {
      label: '&Project',
      submenu: [
        cmd('&New Project', 'project.new', 'CmdOrCtrl+N'),
        cmd('&Open Project…', 'project.open', 'CmdOrCtrl+O'),
        { label: 'Open &Recent', submenu: recent },
        { type: 'separator' },
        cmd('&Save', 'project.save', 'CmdOrCtrl+S'),
        cmd('Save &As…', 'project.saveAs', 'Shift+CmdOrCtrl+S'),
        { type: 'separator' },
        cmd('&Export Results…', 'export.open', 'CmdOrCtrl+E'),
        { type: 'separator' },
        opts.isMac ? { role: 'close' } : { role: 'quit', label: 'E&xit', accelerator: 'CmdOrCtrl+Q' },
      ],
    },
    {
      label: '&Edit',
      submenu: [
        cmd('&Undo', 'edit.undo', 'CmdOrCtrl+Z'),
        cmd('&Redo', 'edit.redo', opts.isMac ? 'Shift+CmdOrCtrl+Z' : 'CmdOrCtrl+Y'),
        { type: 'separator' },
        { role: 'cut' }, { role: 'copy' }, { role: 'paste' },
        cmd('&Delete Selected', 'edit.delete', 'Delete'),
      ],
    },
    {
      label: '&Layer',
      submenu: [
        cmd('Add &Raster Layer…', 'layer.addRaster', 'Shift+CmdOrCtrl+R'),
        cmd('Add &Vector Layer…', 'layer.addVector', 'Shift+CmdOrCtrl+V'),
        cmd('Add &Sample Scene', 'layer.addSample'),
        { type: 'separator' },
        cmd('&Zoom to Layer', 'layer.zoomTo'),
        cmd('Re&move Layer', 'layer.remove'),
      ],
    },
    {
      label: '&View',
      submenu: [
        cmd('Zoom &In', 'view.zoomIn', 'CmdOrCtrl+='),
        cmd('Zoom &Out', 'view.zoomOut', 'CmdOrCtrl+-'),
        cmd('Zoom &Full', 'view.fullExtent', 'Shift+CmdOrCtrl+F'),
        { type: 'separator' },
        { role: 'togglefullscreen', accelerator: 'F11' },
        ...(opts.dev ? [{ role: 'toggleDevTools' } as MenuItemConstructorOptions] : []),
      ],
    },
    { label: '&Help', submenu: [cmd('&About SatDiFuser Studio', 'help.about')] },
  );
  return template;
}
