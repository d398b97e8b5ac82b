// A restricted pickle reader. A pickle is a program for a stack machine that can import and call any Python
// function, so loading an untrusted checkpoint with Python's pickle can run arbitrary code. This machine never
// calls anything: GLOBAL/STACK_GLOBAL may only name entries of the allow-list the caller passes (for torch:
// OrderedDict, tensor rebuild functions, storage types), each implemented here in TypeScript; every other global
// is rejected with UNSAFE_PICKLE before anything else happens. Opcodes are those of protocols 0–5.
import { SatError } from '../../../shared/errors';
import { corruptWeights } from './reader';

export class PyTuple {
  constructor(readonly items: unknown[]) {}
}

/** A value produced by an allowed global. `call` builds the object REDUCE/NEWOBJ asks for. */
export interface PyGlobal {
  readonly qualname: string;
  call?(args: unknown[]): unknown;
}

export interface UnpickleOptions {
  /** Allowed globals by "module.name". */
  globals: ReadonlyMap<string, PyGlobal>;
  /** Resolves a persistent id (torch: storages). */
  persistentLoad?(pid: unknown): unknown;
  /** For messages. */
  path: string;
}

export function unsafePickle(path: string, what: string): SatError {
  return new SatError('UNSAFE_PICKLE', `"${path}" asks to load the Python object ${what}, which is not a tensor or a dictionary. It was rejected without running anything: a pickle can execute code, and weights need none.`, {
    hint: 'If you trust the file, re-save only the tensors (torch.save(model.state_dict(), path), or better a .safetensors file) and load that instead.',
    details: { path, global: what },
  });
}

export function unpickle(bytes: Uint8Array, opts: UnpickleOptions): unknown {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const path = opts.path;
  let pos = 0;
  const stack: unknown[] = [];
  const marks: number[] = [];
  const memo = new Map<number, unknown>();
  const bad = (why: string) => corruptWeights(path, `pickle: ${why} at byte ${pos}`);
  const need = (n: number) => {
    if (pos + n > buf.length) throw bad('unexpected end of data');
  };
  const u8 = () => (need(1), buf[pos++]);
  const u16 = () => (need(2), (pos += 2), buf.readUInt16LE(pos - 2));
  const u32 = () => (need(4), (pos += 4), buf.readUInt32LE(pos - 4));
  const u64 = () => (need(8), (pos += 8), Number(buf.readBigUInt64LE(pos - 8)));
  const bytesOf = (n: number) => (need(n), (pos += n), buf.subarray(pos - n, pos));
  const line = () => {
    const end = buf.indexOf(0x0a, pos);
    if (end < 0) throw bad('unterminated text argument');
    const s = buf.toString('latin1', pos, end);
    pos = end + 1;
    return s;
  };
  const pop = () => {
    if (stack.length === 0 || (marks.length && stack.length <= marks[marks.length - 1])) throw bad('stack underflow');
    return stack.pop();
  };
  const popMark = () => {
    const m = marks.pop();
    if (m === undefined) throw bad('no mark');
    return stack.splice(m);
  };
  const top = () => {
    if (!stack.length) throw bad('stack underflow');
    return stack[stack.length - 1];
  };
  const lookup = (module: string, name: string) => {
    const q = `${module}.${name}`;
    const g = opts.globals.get(q);
    if (!g) throw unsafePickle(path, q);
    return g;
  };
  const call = (f: unknown, args: unknown[]) => {
    const g = f as PyGlobal;
    if (!g || typeof g !== 'object' || !('qualname' in g) || !g.call) throw unsafePickle(path, `a call of ${describe(f)}`);
    return g.call(args);
  };
  const setItems = (target: unknown, kv: unknown[]) => {
    if (!(target instanceof Map)) throw bad(`SETITEM(S) on ${describe(target)}`);
    for (let i = 0; i + 1 < kv.length; i += 2) target.set(kv[i], kv[i + 1]);
  };
  const appendItems = (target: unknown, items: unknown[]) => {
    if (!Array.isArray(target)) throw bad(`APPEND(S) on ${describe(target)}`);
    target.push(...items);
  };
  const memoPut = (k: number) => memo.set(k, top());
  const memoGet = (k: number) => {
    if (!memo.has(k)) throw bad(`memo ${k} is empty`);
    stack.push(memo.get(k));
  };
  const int = (s: string) => {
    const t = s.replace(/L$/, '');
    if (t === '00') return false;
    if (t === '01') return true;
    const n = Number(t);
    if (!Number.isFinite(n)) throw bad(`bad integer ${s}`);
    return n;
  };
  const longBytes = (b: Buffer) => {
    if (b.length === 0) return 0;
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: u8(); break; // PROTO
      case 0x95: u64(); break; // FRAME
      case 0x2e: { // STOP
        if (stack.length !== 1) throw bad(`STOP with ${stack.length} values on the stack`);
        return stack[0];
      }
      case 0x28: marks.push(stack.length); break; // MARK
      case 0x7d: stack.push(new Map()); break; // EMPTY_DICT
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x29: stack.push(new PyTuple([])); break; // EMPTY_TUPLE
      case 0x74: stack.push(new PyTuple(popMark())); break; // TUPLE
      case 0x85: stack.push(new PyTuple([pop()])); break; // TUPLE1
      case 0x86: { const b = pop(); const a = pop(); stack.push(new PyTuple([a, b])); break; } // TUPLE2
      case 0x87: { const c = pop(); const b = pop(); const a = pop(); stack.push(new PyTuple([a, b, c])); break; } // TUPLE3
      case 0x6c: stack.push(popMark()); break; // LIST
      case 0x64: { const kv = popMark(); const m = new Map(); setItems(m, kv); stack.push(m); break; } // DICT
      case 0x61: { const v = pop(); appendItems(top(), [v]); break; } // APPEND
      case 0x65: { const items = popMark(); appendItems(top(), items); break; } // APPENDS
      case 0x73: { const v = pop(); const k = pop(); setItems(top(), [k, v]); break; } // SETITEM
      case 0x75: { const kv = popMark(); setItems(top(), kv); break; } // SETITEMS
      case 0x4b: stack.push(u8()); break; // BININT1
      case 0x4d: stack.push(u16()); break; // BININT2
      case 0x4a: need(4); stack.push(buf.readInt32LE(pos)); pos += 4; break; // BININT
      case 0x8a: stack.push(longBytes(bytesOf(u8()))); break; // LONG1
      case 0x8b: stack.push(longBytes(bytesOf(u32()))); break; // LONG4
      case 0x49: stack.push(int(line())); break; // INT
      case 0x4c: stack.push(int(line())); break; // LONG
      case 0x47: need(8); stack.push(buf.readDoubleBE(pos)); pos += 8; break; // BINFLOAT
      case 0x46: stack.push(Number(line())); break; // FLOAT
      case 0x58: stack.push(bytesOf(u32()).toString('utf8')); break; // BINUNICODE
      case 0x8c: stack.push(bytesOf(u8()).toString('utf8')); break; // SHORT_BINUNICODE
      case 0x8d: stack.push(bytesOf(u64()).toString('utf8')); break; // BINUNICODE8
      case 0x54: stack.push(bytesOf(u32()).toString('latin1')); break; // BINSTRING
      case 0x55: stack.push(bytesOf(u8()).toString('latin1')); break; // SHORT_BINSTRING
      case 0x42: stack.push(new Uint8Array(bytesOf(u32()))); break; // BINBYTES
      case 0x43: stack.push(new Uint8Array(bytesOf(u8()))); break; // SHORT_BINBYTES
      case 0x8e: stack.push(new Uint8Array(bytesOf(u64()))); break; // BINBYTES8
      case 0x96: stack.push(new Uint8Array(bytesOf(u64()))); break; // BYTEARRAY8
      case 0x4e: stack.push(null); break; // NONE
      case 0x88: stack.push(true); break; // NEWTRUE
      case 0x89: stack.push(false); break; // NEWFALSE
      case 0x71: memoPut(u8()); break; // BINPUT
      case 0x72: memoPut(u32()); break; // LONG_BINPUT
      case 0x70: memoPut(Number(line())); break; // PUT
      case 0x94: memoPut(memo.size); break; // MEMOIZE
      case 0x68: memoGet(u8()); break; // BINGET
      case 0x6a: memoGet(u32()); break; // LONG_BINGET
      case 0x67: memoGet(Number(line())); break; // GET
      case 0x30: pop(); break; // POP
      case 0x31: popMark(); break; // POP_MARK
      case 0x32: stack.push(top()); break; // DUP
      case 0x63: { const module = line(); const name = line(); stack.push(lookup(module, name)); break; } // GLOBAL
      case 0x93: { const name = pop(); const module = pop(); stack.push(lookup(String(module), String(name))); break; } // STACK_GLOBAL
      case 0x69: { const module = line(); const name = line(); const args = popMark(); stack.push(call(lookup(module, name), args)); break; } // INST
      case 0x6f: { const items = popMark(); const [f, ...args] = items; stack.push(call(f, args)); break; } // OBJ
      case 0x52: { // REDUCE
        const args = pop();
        const f = pop();
        if (!(args instanceof PyTuple)) throw bad('REDUCE arguments are not a tuple');
        stack.push(call(f, args.items));
        break;
      }
      case 0x81: { // NEWOBJ
        const args = pop();
        const cls = pop();
        stack.push(call(cls, args instanceof PyTuple ? args.items : []));
        break;
      }
      case 0x92: { // NEWOBJ_EX
        pop();
        const args = pop();
        const cls = pop();
        stack.push(call(cls, args instanceof PyTuple ? args.items : []));
        break;
      }
      case 0x62: { // BUILD: instance state (e.g. OrderedDict._metadata); nothing we keep needs it.
        pop();
        break;
      }
      case 0x51: { const pid = pop(); stack.push(persistent(pid)); break; } // BINPERSID
      case 0x50: stack.push(persistent(line())); break; // PERSID
      case 0x82: case 0x83: case 0x84: // EXT1/2/4: the copyreg extension registry names arbitrary globals
        throw unsafePickle(path, 'an extension-registry global');
      default:
        throw bad(`unknown opcode 0x${op.toString(16)}`);
    }
  }

  function persistent(pid: unknown): unknown {
    if (!opts.persistentLoad) throw unsafePickle(path, 'a persistent object');
    return opts.persistentLoad(pid);
  }
}

function describe(v: unknown): string {
  if (v === null) return 'None';
  if (v instanceof Map) return 'a dict';
  if (v instanceof PyTuple) return 'a tuple';
  if (Array.isArray(v)) return 'a list';
  if (v && typeof v === 'object' && 'qualname' in v) return (v as PyGlobal).qualname;
  return typeof v;
}
