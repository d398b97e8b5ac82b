// Graph → onnxruntime session. Graphs whose weights exceed protobuf's 2 GB limit (the full DiffusionSat UNet is
// 3.46 GB in fp32) are written as model.onnx + model.onnx.data to a folder and loaded by path.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Graph } from '../nn/graph';
import { saveModel, serializeModel } from '../nn/serialize';
import { Session, type SessionOptions } from '../runtime';

const INLINE_LIMIT = 1.8 * 2 ** 30;

export function paramBytes(g: Graph): number {
  let n = 0;
  for (const e of g.params.values()) n += e.value.shape.reduce<number>((a, d) => a * (d as number), 1) * 4;
  return n;
}

/** Writes the graph to `path` (+ `<path>.data` above `inlineLimit` bytes of weights). Returns the files written. */
export function writeGraph(g: Graph, path: string, metadata?: Record<string, string>, inlineLimit = INLINE_LIMIT): string[] {
  return paramBytes(g) > inlineLimit ? saveModel(g, path, { external: {}, metadata }) : saveModel(g, path, { metadata });
}

export async function sessionFromGraph(g: Graph, opts: SessionOptions = {}): Promise<Session> {
  if (paramBytes(g) <= INLINE_LIMIT) return Session.create(serializeModel(g), opts);
  const dir = mkdtempSync(join(tmpdir(), 'satdifuser-graph-'));
  try {
    const path = join(dir, `${g.name}.onnx`);
    saveModel(g, path, { external: {} });
    return await Session.create(path, opts);
  } finally {
    // ORT has read the files into its own memory once the session exists.
    rmSync(dir, { recursive: true, force: true });
  }
}
