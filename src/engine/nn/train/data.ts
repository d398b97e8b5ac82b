// Mini-batches over an indexed dataset: a seeded permutation per epoch (deterministic given the seed), the
// caller's function assembles the tensors of one batch from sample indices.
import { InvalidArgumentError } from '../../../shared/errors';
import type { Tensor } from '../../runtime';
import { Rng } from '../rng';

export type Batch = Record<string, Tensor>;

export interface BatchSource {
  /** Batches of one epoch, in order. */
  epoch(epoch: number): Iterable<Batch>;
  /** Batches per epoch. */
  readonly batchesPerEpoch: number;
}

export interface IndexedBatchesOptions {
  size: number;
  batchSize: number;
  /** Builds the feeds for the samples `indices` (length batchSize, or less for a last partial batch). */
  make: (indices: Int32Array, epoch: number) => Batch;
  shuffle?: boolean;
  seed?: number;
  /** Drop the last partial batch (default true: training graphs have a fixed batch size). */
  dropLast?: boolean;
}

export function indexedBatches(o: IndexedBatchesOptions): BatchSource {
  if (!(o.batchSize >= 1) || !(o.size >= 0)) throw new InvalidArgumentError(`Batching needs a batch size ≥ 1 and a dataset size ≥ 0 (got ${o.batchSize}, ${o.size}).`);
  const dropLast = o.dropLast ?? true;
  const n = dropLast ? Math.floor(o.size / o.batchSize) : Math.ceil(o.size / o.batchSize);
  if (n === 0) throw new InvalidArgumentError(`${o.size} samples do not make one batch of ${o.batchSize}.`, 'Add labelled samples or reduce the batch size.');
  return {
    batchesPerEpoch: n,
    *epoch(epoch: number) {
      const order = o.shuffle === false ? Int32Array.from({ length: o.size }, (_, i) => i) : new Rng(((o.seed ?? 0) * 1_000_003 + epoch) >>> 0).permutation(o.size);
      for (let b = 0; b < n; b++) yield o.make(order.subarray(b * o.batchSize, Math.min((b + 1) * o.batchSize, o.size)), epoch);
    },
  };
}
