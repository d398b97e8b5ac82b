// Checkpoints as safetensors (fp32 or fp16), through the weights module's reader and writer. Weights keep their
// PyTorch-style names; optimizer moments (for resuming) keep theirs (adam.m.*, adam.v.*). The step count and
// anything else the caller wants travel in the safetensors metadata.
import { InvalidArgumentError } from '../../../shared/errors';
import type { TypedArray } from '../dtype';
import { SafetensorsReader, writeSafetensors } from '../weights/safetensors';
import type { Trainer } from './trainer';

export interface SaveCheckpointOptions {
  dtype?: 'float32' | 'float16';
  metadata?: Record<string, string>;
  /** Shapes by name (default: 1-D). */
  shapes?: ReadonlyMap<string, readonly number[]>;
}

export function saveCheckpoint(path: string, tensors: ReadonlyMap<string, TypedArray>, o: SaveCheckpointOptions = {}): void {
  const list = [...tensors].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, data]) => {
    const f32 = data instanceof Float32Array ? data : data instanceof Float64Array ? Float32Array.from(data) : undefined;
    if (!f32) throw new InvalidArgumentError(`Checkpoint tensor "${name}" is ${data.constructor.name}; only float weights are saved.`);
    return { name, shape: o.shapes?.get(name) ?? [f32.length], data: f32, dtype: o.dtype ?? 'float32' };
  });
  writeSafetensors(path, list, o.metadata);
}

export interface LoadedCheckpoint {
  tensors: Map<string, Float32Array>;
  shapes: Map<string, number[]>;
  metadata: Readonly<Record<string, string>>;
}

export function loadCheckpoint(path: string): LoadedCheckpoint {
  const r = new SafetensorsReader(path);
  try {
    const tensors = new Map<string, Float32Array>();
    const shapes = new Map<string, number[]>();
    for (const info of r.list()) {
      tensors.set(info.name, r.readFloat32(info.name));
      shapes.set(info.name, [...info.shape]);
    }
    return { tensors, shapes, metadata: r.metadata };
  } finally {
    r.close();
  }
}

/** Saves a trainer's weights (and, with `optimizer`, its moments and step count, to resume training). */
export function saveTrainerCheckpoint(path: string, trainer: Trainer, o: { dtype?: 'float32' | 'float16'; optimizer?: boolean; metadata?: Record<string, string> } = {}): void {
  const slots = trainer.slots().filter((s) => o.optimizer || s.kind !== 'moment');
  const tensors = new Map(slots.map((s) => [s.input, trainer.value(s.input).data] as const));
  const shapes = new Map(slots.map((s) => [s.input, s.shape] as const));
  saveCheckpoint(path, tensors, { dtype: o.dtype, shapes, metadata: { 'satdifuser.step': String(trainer.step), ...o.metadata } });
}
