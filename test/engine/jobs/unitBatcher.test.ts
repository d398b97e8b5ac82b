// Finished units reach the journal in batches: on the interval, always for the last unit and on flush,
// each batch with the state after its last unit.
import { describe, expect, it } from 'vitest';
import { UnitBatcher } from '../../../src/engine/jobs/unitBatcher';
import type { FinishedUnit, UnitState } from '../../../src/engine/store/jobJournal';
import { openStore } from '../../../src/engine/store/store';

function recorder() {
  const commits: { units: number[]; state: string[] }[] = [];
  return {
    commits,
    finishUnits(_job: string, units: readonly FinishedUnit[], state: readonly UnitState[] = []) {
      commits.push({ units: units.map((u) => u.unit), state: state.map((s) => `${s.name}=${Buffer.from(s.payload).toString()}`) });
    },
  };
}

describe('unit batcher', () => {
  it('commits when the interval has passed, and for the last unit, with the state after the last unit of the batch', () => {
    let t = 0;
    const j = recorder();
    const b = new UnitBatcher(j, 'job', 1000, () => t);
    const state = (v: string) => [{ name: 'band', payload: Buffer.from(v) }];
    t = 300;
    b.finish(0, null, state('after0'));
    t = 900;
    b.finish(1, null, state('after1'));
    expect(j.commits).toEqual([]);
    expect(b.waiting).toBe(2);
    t = 1000;
    b.finish(2, null, state('after2'));
    expect(j.commits).toEqual([{ units: [0, 1, 2], state: ['band=after2'] }]);
    t = 1500; // 500 ms after that commit: waits
    b.finish(3, null, state('after3'));
    expect(j.commits).toHaveLength(1);
    b.finish(4, null, state('after4'), true);
    expect(j.commits.at(-1)).toEqual({ units: [3, 4], state: ['band=after4'] });
    b.flush(); // nothing waiting: nothing written
    expect(j.commits).toHaveLength(2);
  });

  it('flush journals the waiting units with the state captured when the last of them finished', () => {
    const t = 0;
    const j = recorder();
    const b = new UnitBatcher(j, 'job', 1000, () => t);
    b.finish(0, null, [{ name: 'band', payload: Buffer.from('row0') }]);
    expect(j.commits).toEqual([]); // not due yet
    b.flush(); // the job went on and failed mid-row: the state journalled is the one given with unit 0
    expect(j.commits).toEqual([{ units: [0], state: ['band=row0'] }]);
  });

  it('interval 0 commits every unit; a batch is one transaction in the real journal', () => {
    const j = recorder();
    const b = new UnitBatcher(j, 'job', 0);
    b.finish(0, null, []);
    b.finish(1, null, []);
    expect(j.commits.map((c) => c.units)).toEqual([[0], [1]]);
    const store = openStore(':memory:');
    const begin = store.journal.begin('segment', 'h', {}, 3);
    store.journal.finishUnits(begin.id, [{ unit: 0, payload: new Uint8Array([1, 2]) }, { unit: 1, payload: null }], [{ name: 'band', payload: new Uint8Array([9]) }]);
    expect([...store.journal.doneUnits(begin.id)].sort()).toEqual([0, 1]);
    expect(Array.from(store.journal.unitPayload(begin.id, 0)!)).toEqual([1, 2]);
    expect(Array.from(store.journal.state(begin.id, 'band')!)).toEqual([9]);
    store.close();
  });
});
