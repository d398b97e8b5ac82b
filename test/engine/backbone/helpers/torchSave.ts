// Writes a state dict the way torch.save does (zip archive, stored entries, pickle protocol 2 with
// persistent-id storages), so importer tests can use `.bin` checkpoints without Python. The reader itself is
// proven against files written by real PyTorch (test/fixtures/backbone/weights).
import { writeFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';

function zip(entries: { name: string; data: Uint8Array }[]): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const crc = crc32(e.data);
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0);
    lh.writeUInt16LE(20, 4);
    lh.writeUInt32LE(crc >>> 0, 14);
    lh.writeUInt32LE(e.data.length, 18);
    lh.writeUInt32LE(e.data.length, 22);
    lh.writeUInt16LE(name.length, 26);
    const ch = Buffer.alloc(46);
    ch.writeUInt32LE(0x02014b50, 0);
    ch.writeUInt16LE(20, 4);
    ch.writeUInt16LE(20, 6);
    ch.writeUInt32LE(crc >>> 0, 16);
    ch.writeUInt32LE(e.data.length, 20);
    ch.writeUInt32LE(e.data.length, 24);
    ch.writeUInt16LE(name.length, 28);
    ch.writeUInt32LE(offset, 42);
    locals.push(lh, name, Buffer.from(e.data));
    central.push(ch, name);
    offset += 30 + name.length + e.data.length;
  }
  const dir = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dir, end]);
}

class Pickler {
  parts: Buffer[] = [Buffer.from([0x80, 0x02])];
  op(...bytes: number[]) {
    this.parts.push(Buffer.from(bytes));
  }
  global(module: string, name: string) {
    this.parts.push(Buffer.from(`c${module}\n${name}\n`, 'latin1'));
  }
  str(s: string) {
    const b = Buffer.from(s, 'utf8');
    const h = Buffer.alloc(5);
    h[0] = 0x58;
    h.writeUInt32LE(b.length, 1);
    this.parts.push(h, b);
  }
  int(n: number) {
    const h = Buffer.alloc(5);
    h[0] = 0x4a;
    h.writeInt32LE(n, 1);
    this.parts.push(h);
  }
  ints(xs: readonly number[]) {
    this.op(0x28);
    xs.forEach((x) => this.int(x));
    this.op(0x74);
  }
}

export function torchSave(path: string, tensors: { name: string; shape: readonly number[]; data: Float32Array }[]): void {
  const p = new Pickler();
  p.global('collections', 'OrderedDict');
  p.op(0x29, 0x52, 0x28); // () REDUCE MARK
  const storages: { name: string; data: Uint8Array }[] = [];
  tensors.forEach((t, k) => {
    p.str(t.name);
    p.global('torch._utils', '_rebuild_tensor_v2');
    p.op(0x28); // args
    p.op(0x28);
    p.str('storage');
    p.global('torch', 'FloatStorage');
    p.str(String(k));
    p.str('cpu');
    p.int(t.data.length);
    p.op(0x74, 0x51); // TUPLE BINPERSID
    p.int(0);
    p.ints(t.shape);
    const stride = t.shape.map((_, i) => t.shape.slice(i + 1).reduce((a, b) => a * b, 1));
    p.ints(stride);
    p.op(0x89);
    p.global('collections', 'OrderedDict');
    p.op(0x29, 0x52);
    p.op(0x74, 0x52); // TUPLE REDUCE
    storages.push({ name: `archive/data/${k}`, data: new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength) });
  });
  p.op(0x75, 0x2e); // SETITEMS STOP
  writeFileSync(path, zip([
    { name: 'archive/data.pkl', data: Buffer.concat(p.parts) },
    { name: 'archive/byteorder', data: Buffer.from('little') },
    ...storages,
    { name: 'archive/version', data: Buffer.from('3\n') },
  ]));
}
