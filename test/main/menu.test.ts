// The application menu carries the shortcuts the issue lists and sends each item's command to the renderer.
import { describe, expect, it } from 'vitest';
import type { MenuItemConstructorOptions } from 'electron';
import { buildMenuTemplate } from '../../src/main/menu';

function flatten(items: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
  return items.flatMap((i) => [i, ...(Array.isArray(i.submenu) ? flatten(i.submenu as MenuItemConstructorOptions[]) : [])]);
}

describe('application menu', () => {
  const sent: any[] = [];
  const items = flatten(buildMenuTemplate((m) => sent.push(m), { isMac: false, recentProjects: ['/p/a.sdfproj'], dev: false }));
  const byAccel = new Map(items.filter((i) => i.accelerator).map((i) => [i.accelerator, i]));

  it.each([
    ['CmdOrCtrl+N', 'project.new'], ['CmdOrCtrl+O', 'project.open'], ['CmdOrCtrl+S', 'project.save'],
    ['Shift+CmdOrCtrl+S', 'project.saveAs'], ['CmdOrCtrl+Z', 'edit.undo'], ['CmdOrCtrl+Y', 'edit.redo'], ['Delete', 'edit.delete'],
  ])('%s sends %s', (accel, command) => {
    const item = byAccel.get(accel)!;
    expect(item, accel).toBeDefined();
    sent.length = 0;
    (item.click as any)();
    expect(sent).toEqual([{ command }]);
  });

  it('has F11 for full screen and the recent projects', () => {
    expect(byAccel.get('F11')?.role).toBe('togglefullscreen');
    const recent = items.find((i) => i.sublabel === '/p/a.sdfproj')!;
    sent.length = 0;
    (recent.click as any)();
    expect(sent).toEqual([{ command: 'project.openRecent', path: '/p/a.sdfproj' }]);
  });

  it('uses Shift+Cmd+Z for redo on macOS and hides dev tools in production', () => {
    const mac = flatten(buildMenuTemplate(() => undefined, { isMac: true, recentProjects: [], dev: false }));
    expect(mac.some((i) => i.accelerator === 'Shift+CmdOrCtrl+Z')).toBe(true);
    expect(items.some((i) => i.role === 'toggleDevTools')).toBe(false);
  });
});
