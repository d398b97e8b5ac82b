// Undo/redo over registered actions: exact restoration, redo after undo, a new action clearing redo, no-op
// actions leaving no history, and one undo step for compound edits (delete class + its labels).
import { describe, expect, it } from 'vitest';
import * as actions from '../../src/renderer/state/actions';
import { initialProjectState, perform, redo, undo } from '../../src/renderer/state/history';
import { emptyProject } from '../../src/renderer/state/project';

const square = (x: number) => ({ type: 'Polygon' as const, coordinates: [[[x, 0], [x + 1, 0], [x + 1, 1], [x, 0]] as [number, number][]] });

describe('history', () => {
  it('undoes and redoes label edits exactly', () => {
    let s = initialProjectState(emptyProject());
    const start = s.content;
    s = perform(s, actions.addLabels, { labels: [{ id: 'a', classId: 1, geometry: square(0) }] });
    s = perform(s, actions.editLabelGeometry, { id: 'a', geometry: square(5) });
    const edited = s.content;
    expect(s.past.map((e) => e.label)).toEqual(['Draw label polygon', 'Edit label polygon']);
    s = undo(s);
    expect(s.content.labels[0]!.geometry).toEqual(square(0));
    s = undo(s);
    expect(s.content).toBe(start);
    s = redo(redo(s));
    expect(s.content).toBe(edited);
    expect(s.dirty).toBe(true);
  });

  it('clears redo on a new action and ignores actions that change nothing', () => {
    let s = initialProjectState(emptyProject());
    s = perform(s, actions.setAoi, { aoi: { crs: 'EPSG:3857', geometry: square(0) } });
    s = undo(s);
    expect(s.future).toHaveLength(1);
    s = perform(s, actions.renameProject, { name: 'Olinda' });
    expect(s.future).toHaveLength(0);
    const before = s;
    expect(perform(s, actions.renameProject, { name: 'Olinda' })).toBe(before);
    expect(perform(s, actions.deleteLabels, { ids: ['none'] })).toBe(before);
    expect(perform(s, actions.setLabelClass, { ids: ['x'], classId: 999 })).toBe(before);
  });

  it('deletes a class with its labels in one step and restores both with one undo', () => {
    let s = initialProjectState(emptyProject());
    s = perform(s, actions.addLabels, { labels: [{ id: 'a', classId: 2, geometry: square(0) }, { id: 'b', classId: 1, geometry: square(2) }] });
    s = perform(s, actions.removeClass, { id: 2 });
    expect(s.content.classes.some((c) => c.id === 2)).toBe(false);
    expect(s.content.labels.map((l) => l.id)).toEqual(['b']);
    s = undo(s);
    expect(s.content.classes.some((c) => c.id === 2)).toBe(true);
    expect(s.content.labels.map((l) => l.id)).toEqual(['a', 'b']);
  });

  it('moves layers within bounds and keeps the first layer\'s CRS as the project CRS', () => {
    let s = initialProjectState(emptyProject());
    const layer = (id: string) => ({ kind: 'vector' as const, id, name: id, path: `/${id}`, visible: true, opacity: 1, stroke: '#000', fill: '#fff', strokeWidth: 1 });
    s = perform(s, actions.addLayer, { layer: layer('a'), crs: 'EPSG:31985' });
    s = perform(s, actions.addLayer, { layer: layer('b'), crs: 'EPSG:4326' });
    s = perform(s, actions.addLayer, { layer: layer('c') });
    expect(s.content.crs).toBe('EPSG:31985');
    s = perform(s, actions.moveLayer, { id: 'a', delta: 5 });
    expect(s.content.layers.map((l) => l.id)).toEqual(['b', 'c', 'a']);
    const top = s;
    expect(perform(s, actions.moveLayer, { id: 'a', delta: 1 })).toBe(top);
    s = perform(s, actions.setLayerOpacity, { id: 'b', opacity: 7 });
    expect(s.content.layers[0]!.opacity).toBe(1);
  });
});
