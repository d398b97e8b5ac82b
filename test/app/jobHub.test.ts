// App-level jobs end in exactly one typed outcome, with events in order; cancel and failure are distinct.
import { describe, expect, it } from 'vitest';
import type { EngineEvent, JobResult } from '../../src/shared/contract';
import { SatError } from '../../src/shared/errors';
import { EventBus } from '../../src/engine/api/events';
import { JobHub } from '../../src/engine/api/jobHub';

function hub() {
  const bus = new EventBus();
  const events: EngineEvent[] = [];
  bus.on((e) => events.push(e));
  return { jobs: new JobHub(bus), events };
}

const result: JobResult = { kind: 'export', export: { files: ['/x'], featureCount: 3, crs: 'EPSG:31985' } };

describe('job hub', () => {
  it('emits started, progress, finished(succeeded) with the result', async () => {
    const { jobs, events } = hub();
    const { jobId } = jobs.start('export', 'Export', null, async (ctx) => {
      ctx.progress({ phase: 'writing', done: 1, total: 2, unit: 'rows', rate: 1, etaSeconds: 1, elapsedSeconds: 1, cacheHits: 0 });
      return result;
    });
    const outcome = await jobs.settled(jobId);
    expect(outcome).toMatchObject({ status: 'succeeded', result });
    expect(events.map((e) => e.topic)).toEqual(['job.started', 'job.progress', 'job.finished']);
    expect(jobs.list()[0]!.progress).toMatchObject({ done: 1, total: 2, jobId, kind: 'export' });
  });

  it('turns a thrown SatError into a failed outcome that keeps code and hint', async () => {
    const { jobs } = hub();
    const { jobId } = jobs.start('segment', 'Seg', null, async () => { throw new SatError('IO_ERROR', 'disk full', { hint: 'free space' }); });
    expect(await jobs.settled(jobId)).toMatchObject({ status: 'failed', reason: { code: 'IO_ERROR', message: 'disk full', hint: 'free space' } });
  });

  it('cancels through the AbortSignal and reports the units done', async () => {
    const { jobs } = hub();
    const { jobId } = jobs.start('segment', 'Seg', null, async (ctx) => {
      ctx.progress({ phase: 'tiles', done: 3, total: 10, unit: 'tiles', rate: 1, etaSeconds: 7, elapsedSeconds: 3, cacheHits: 0 });
      await new Promise((r) => ctx.signal.addEventListener('abort', r));
      throw new SatError('CANCELLED', 'stopped');
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(jobs.cancel(jobId)).toBe(true);
    expect(await jobs.settled(jobId)).toMatchObject({ status: 'cancelled', done: 3, total: 10 });
    expect(jobs.cancel(jobId)).toBe(false);
  });
});

describe('disagreement', () => {
  it('counts heads that differ from the per-pixel majority, and marks nodata', async () => {
    const { disagreement } = await import('../../src/engine/api/compareJob');
    const a = [0, 1, 2, 1, 255, 3];
    const b = [0, 1, 1, 2, 0, 3];
    const c = [0, 2, 0, 2, 0, 4];
    // pixel 0: all agree; 1: 1,1,2 → one differs; 2: 2,1,0 → no majority, two differ; 3: 1,2,2 → one; 4: nodata; 5: 3,3,4 → one
    const { counts, fraction } = disagreement([a, b, c], 6);
    expect([...counts]).toEqual([0, 1, 2, 1, 255, 1]);
    expect(fraction).toBeCloseTo(4 / 5, 12);
  });
});
