// PyTorch checkpoints (`.bin`, `.pth`, `.pt`) in the zip format torch.save has written since 1.6: `<root>/data.pkl`
// (the object graph) + `<root>/data/<key>` (raw storages) + `<root>/byteorder`. The pickle is read by the
// restricted unpickler with an allow-list of exactly what a state dict needs; tensors are views (offset, shape,
// stride) into storages and are read lazily.
import { SatError } from '../../../shared/errors';
import { type WeightDType, type WeightInfo, WEIGHT_BYTES, elementCount } from './dtypes';
import { type PyGlobal, PyTuple, unpickle } from './pickle';
import { BaseWeightReader, corruptWeights, readFileHead } from './reader';
import { type ZipEntry, ZipFile } from './zip';

const STORAGE_DTYPES: Readonly<Record<string, WeightDType>> = {
  FloatStorage: 'float32', HalfStorage: 'float16', BFloat16Storage: 'bfloat16', DoubleStorage: 'float64',
  LongStorage: 'int64', IntStorage: 'int32', ShortStorage: 'int16', CharStorage: 'int8', ByteStorage: 'uint8',
  BoolStorage: 'bool',
};

interface StorageType extends PyGlobal {
  readonly dtype: WeightDType;
}

interface StorageRef {
  readonly key: string;
  readonly dtype: WeightDType;
}

class TensorRef {
  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly shape: number[],
    readonly stride: number[],
  ) {}
}

function ints(v: unknown, what: string, path: string): number[] {
  if (!(v instanceof PyTuple) || !v.items.every((x) => typeof x === 'number')) throw corruptWeights(path, `tensor ${what} is not a tuple of ints`);
  return v.items as number[];
}

function torchGlobals(path: string): Map<string, PyGlobal> {
  const g = new Map<string, PyGlobal>();
  const rebuild = (args: unknown[]) => {
    const [storage, offset, size, stride] = args;
    if (!storage || typeof storage !== 'object' || !('key' in storage)) throw corruptWeights(path, 'a tensor without a storage');
    return new TensorRef(storage as StorageRef, Number(offset), ints(size, 'size', path), ints(stride, 'stride', path));
  };
  const add = (qualname: string, call?: (args: unknown[]) => unknown) => g.set(qualname, { qualname, call });
  add('collections.OrderedDict', () => new Map());
  add('torch._utils._rebuild_tensor', rebuild);
  add('torch._utils._rebuild_tensor_v2', rebuild);
  add('torch._utils._rebuild_parameter', (args) => args[0]);
  add('torch._utils._rebuild_parameter_with_state', (args) => args[0]);
  // pickle protocol 2 spells bytes as _codecs.encode(str, 'latin1'): harmless, and only that encoding is accepted.
  add('_codecs.encode', (args) => {
    if (args[1] !== 'latin1' || typeof args[0] !== 'string') throw corruptWeights(path, '_codecs.encode with an unexpected encoding');
    return new Uint8Array(Buffer.from(args[0], 'latin1'));
  });
  for (const [name, dtype] of Object.entries(STORAGE_DTYPES)) {
    const t: StorageType = { qualname: `torch.${name}`, dtype };
    g.set(t.qualname, t);
  }
  return g;
}

interface TorchEntry extends WeightInfo {
  readonly ref: TensorRef;
}

export class TorchCheckpointReader extends BaseWeightReader {
  readonly format = 'torch-zip' as const;
  protected readonly entries: ReadonlyMap<string, TorchEntry>;
  private readonly zip: ZipFile;
  private readonly root: string;
  private readonly bigEndian: boolean;

  constructor(readonly path: string) {
    super();
    const magic = readFileHead(path, 4, 'checkpoint');
    if (magic.length < 4 || magic.readUInt32LE(0) !== 0x04034b50) {
      if (magic[0] === 0x80) {
        throw new SatError('UNSUPPORTED_FORMAT', `"${path}" is a PyTorch checkpoint in the legacy (pre-1.6) format, which is not read.`, {
          hint: 'Re-save it with a current PyTorch (torch.save(torch.load(path), new_path)) or convert it to .safetensors.',
          details: { path },
        });
      }
      throw corruptWeights(path, 'not a PyTorch zip checkpoint (no zip signature)');
    }
    this.zip = new ZipFile(path);
    try {
      const pkl = [...this.zip.entries.keys()].find((n) => n.endsWith('/data.pkl') && n.split('/').length === 2);
      if (!pkl) throw corruptWeights(path, 'the zip has no <root>/data.pkl (not a torch.save archive)');
      this.root = pkl.slice(0, -'data.pkl'.length);
      const order = this.zip.entries.get(`${this.root}byteorder`);
      this.bigEndian = order ? Buffer.from(this.zip.readEntry(order)).toString('latin1').trim() === 'big' : false;
      const obj = unpickle(this.zip.readEntry(this.zip.entries.get(pkl)!), {
        path,
        globals: torchGlobals(path),
        persistentLoad: (pid) => this.storage(pid),
      });
      this.entries = this.collect(obj);
    } catch (e) {
      this.zip.close();
      throw e;
    }
  }

  private storage(pid: unknown): StorageRef {
    // ('storage', storage_type, key, location, numel)
    if (!(pid instanceof PyTuple) || pid.items[0] !== 'storage') throw corruptWeights(this.path, 'a persistent id that is not a storage');
    const type = pid.items[1] as StorageType | undefined;
    if (!type || !('dtype' in type)) throw corruptWeights(this.path, 'a storage of unknown type');
    return { key: String(pid.items[2]), dtype: type.dtype };
  }

  private collect(obj: unknown): Map<string, TorchEntry> {
    let dict = obj;
    // Training checkpoints wrap the weights: {'state_dict': {...}, 'epoch': ...}.
    if (dict instanceof Map && !([...dict.values()].some((v) => v instanceof TensorRef))) {
      const inner = dict.get('state_dict') ?? dict.get('model') ?? dict.get('module');
      if (inner instanceof Map) dict = inner;
    }
    if (!(dict instanceof Map)) throw corruptWeights(this.path, 'the checkpoint is not a dictionary of tensors');
    const out = new Map<string, TorchEntry>();
    for (const [k, v] of dict) {
      if (v instanceof TensorRef) out.set(String(k), { name: String(k), dtype: v.storage.dtype, shape: v.shape, ref: v });
    }
    if (out.size === 0) throw corruptWeights(this.path, 'the checkpoint holds no tensors');
    return out;
  }

  private storageEntry(key: string): ZipEntry {
    const e = this.zip.entries.get(`${this.root}data/${key}`);
    if (!e) throw corruptWeights(this.path, `storage data/${key} is missing from the archive`);
    return e;
  }

  readBytes(name: string): Uint8Array {
    const { ref, dtype, shape } = this.info(name) as TorchEntry;
    const size = WEIGHT_BYTES[dtype];
    const n = elementCount(shape);
    const entry = this.storageEntry(ref.storage.key);
    let contiguous = true;
    for (let i = shape.length - 1, expect = 1; i >= 0; i--) {
      if (shape[i] !== 1 && ref.stride[i] !== expect) contiguous = false;
      expect *= shape[i];
    }
    let out: Uint8Array;
    if (contiguous || n <= 1) {
      out = this.zip.readEntry(entry, ref.offset * size, n * size).slice();
    } else {
      // A strided view (e.g. a saved transpose): gather element by element from the storage span it covers.
      let span = 1;
      for (let i = 0; i < shape.length; i++) span += (shape[i] - 1) * ref.stride[i];
      const src = this.zip.readEntry(entry, ref.offset * size, span * size);
      out = new Uint8Array(n * size);
      const idx = new Array<number>(shape.length).fill(0);
      for (let k = 0; k < n; k++) {
        let at = 0;
        for (let i = 0; i < shape.length; i++) at += idx[i] * ref.stride[i];
        out.set(src.subarray(at * size, at * size + size), k * size);
        for (let i = shape.length - 1; i >= 0; i--) {
          if (++idx[i] < shape[i]) break;
          idx[i] = 0;
        }
      }
    }
    if (this.bigEndian && size > 1) {
      for (let i = 0; i < out.length; i += size) out.subarray(i, i + size).reverse();
    }
    return out;
  }

  close(): void {
    this.zip.close();
  }
}
