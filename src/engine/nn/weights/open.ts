// Opens any supported checkpoint by its content (not its extension): safetensors or a PyTorch zip.
import { SatError } from '../../../shared/errors';
import { readFileHead, type WeightReader } from './reader';
import { SafetensorsReader } from './safetensors';
import { TorchCheckpointReader } from './torch';

export function openWeights(path: string): WeightReader {
  const head = readFileHead(path, 4, 'weights file');
  const n = head.length;
  if (n === 4 && head.readUInt32LE(0) === 0x04034b50) return new TorchCheckpointReader(path);
  if (n === 4 && head[0] === 0x80) return new TorchCheckpointReader(path); // legacy torch: a clear error from there
  if (/\.safetensors$/i.test(path) || n === 4) return new SafetensorsReader(path);
  throw new SatError('CORRUPT_WEIGHTS', `"${path}" is empty or too short to be a checkpoint.`, { hint: 'Download or export the weights again.', details: { path } });
}
