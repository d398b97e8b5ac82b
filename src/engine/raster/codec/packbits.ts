// Apple PackBits, bounded by the block's expected size (a corrupt run length cannot write past it).
export function packbitsDecode(input: Uint8Array, expected: number): Uint8Array {
  const out = new Uint8Array(expected);
  let ip = 0;
  let op = 0;
  while (ip < input.length && op < expected) {
    const h = (input[ip++] << 24) >> 24;
    if (h >= 0) {
      const n = Math.min(h + 1, input.length - ip, expected - op);
      out.set(input.subarray(ip, ip + n), op);
      ip += h + 1;
      op += n;
    } else if (h !== -128) {
      if (ip >= input.length) break;
      const n = Math.min(1 - h, expected - op);
      out.fill(input[ip++], op, op + n);
      op += n;
    }
  }
  return op >= expected ? out : out.subarray(0, op);
}
