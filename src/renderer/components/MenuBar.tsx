// The in-page menu bar of web mode (Electron shows the native menu instead): the same commands, same shortcuts.
import { useEffect, useRef, useState } from 'react';
import type { MenuCommand } from '../../shared/contract';
import { useServices } from '../AppContext';
import { commands, runCommand } from '../commands';

const menus: { label: string; items: ({ command: MenuCommand; shortcut?: string } | 'sep')[] }[] = [
  { label: 'Project', items: [{ command: 'project.new', shortcut: 'Ctrl+N' }, { command: 'project.open', shortcut: 'Ctrl+O' }, 'sep', { command: 'project.save', shortcut: 'Ctrl+S' }, { command: 'project.saveAs', shortcut: 'Shift+Ctrl+S' }, 'sep', { command: 'export.open', shortcut: 'Ctrl+E' }] },
  { label: 'Edit', items: [{ command: 'edit.undo', shortcut: 'Ctrl+Z' }, { command: 'edit.redo', shortcut: 'Ctrl+Y' }, 'sep', { command: 'edit.delete', shortcut: 'Delete' }] },
  { label: 'Layer', items: [{ command: 'layer.addRaster', shortcut: 'Shift+Ctrl+R' }, { command: 'layer.addVector' }, { command: 'layer.addSample' }, 'sep', { command: 'layer.zoomTo' }, { command: 'layer.remove' }] },
  { label: 'View', items: [{ command: 'view.zoomIn' }, { command: 'view.zoomOut' }, { command: 'view.fullExtent' }] },
  { label: 'Help', items: [{ command: 'help.about' }] },
];

export function MenuBar() {
  const services = useServices();
  const [open, setOpen] = useState<string | null>(null);
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const close = (e: MouseEvent) => {
      if (ref.current && !ref.current.contains(e.target as Node)) setOpen(null);
    };
    window.addEventListener('mousedown', close);
    return () => window.removeEventListener('mousedown', close);
  }, []);
  return (
    <div className="menubar" ref={ref} role="menubar">
      <span className="brand">SatDiFuser Studio</span>
      {menus.map((m) => (
        <div key={m.label} className="menu">
          <button className={`menu-title${open === m.label ? ' open' : ''}`} onClick={() => setOpen(open === m.label ? null : m.label)} onMouseEnter={() => open && setOpen(m.label)}>{m.label}</button>
          {open === m.label && (
            <div className="menu-items" role="menu">
              {m.items.map((it, i) => it === 'sep' ? <div key={i} className="menu-sep" /> : (
                <button key={it.command} role="menuitem" className="menu-item" data-command={it.command} onClick={() => { setOpen(null); runCommand(services, { command: it.command }); }}>
                  <span>{commands[it.command].label}</span>
                  {it.shortcut && <span className="shortcut">{it.shortcut}</span>}
                </button>
              ))}
            </div>
          )}
        </div>
      ))}
    </div>
  );
}
