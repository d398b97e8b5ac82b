// Undoes TIFF predictors in place on one decoded block. Input is in host byte order for predictor 2 (the caller
// byte-swaps first) and in the file's plane order for predictor 3, whose output is host order by construction
// (TIFF Technical Note 3, as libtiff's fpAcc implements it).

/** Horizontal differencing: each sample is stored as the difference to the same sample of the previous pixel. */
export function undoHorizontalDifferencing(
  data: Uint8Array, rowSamples: number, rows: number, stride: number, bytesPerSample: number,
): void {
  const count = rowSamples * rows;
  // One loop per element type, so each stays monomorphic (a loop over a TypedArray union runs several times slower).
  if (bytesPerSample === 1) {
    if (stride === 4 && data.byteOffset % 4 === 0) accumulateBytes4(new Uint32Array(data.buffer, data.byteOffset, count >> 2), rowSamples >> 2, rows);
    else accumulate8(data, rowSamples, rows, stride);
  } else if (bytesPerSample === 2) accumulate16(new Uint16Array(data.buffer, data.byteOffset, count), rowSamples, rows, stride);
  else if (bytesPerSample === 4) accumulate32(new Uint32Array(data.buffer, data.byteOffset, count), rowSamples, rows, stride);
  else accumulate64(new BigUint64Array(data.buffer, data.byteOffset, count), rowSamples, rows, stride);
}

function accumulate8(a: Uint8Array, rowSamples: number, rows: number, stride: number): void {
  for (let r = 0; r < rows; r++) {
    const start = r * rowSamples;
    for (let i = start + stride, end = start + rowSamples; i < end; i++) a[i] = a[i] + a[i - stride];
  }
}

function accumulate16(a: Uint16Array, rowSamples: number, rows: number, stride: number): void {
  for (let r = 0; r < rows; r++) {
    const start = r * rowSamples;
    for (let i = start + stride, end = start + rowSamples; i < end; i++) a[i] = a[i] + a[i - stride];
  }
}

function accumulate32(a: Uint32Array, rowSamples: number, rows: number, stride: number): void {
  for (let r = 0; r < rows; r++) {
    const start = r * rowSamples;
    for (let i = start + stride, end = start + rowSamples; i < end; i++) a[i] = a[i] + a[i - stride];
  }
}

function accumulate64(a: BigUint64Array, rowSamples: number, rows: number, stride: number): void {
  for (let r = 0; r < rows; r++) {
    const start = r * rowSamples;
    for (let i = start + stride, end = start + rowSamples; i < end; i++) a[i] = BigInt.asUintN(64, a[i] + a[i - stride]);
  }
}

/**
 * 8-bit samples, 4 per pixel (RGBA, NAIP's 4 bands): one 32-bit word is one pixel, and the four byte lanes are
 * added modulo 256 at once without carries crossing lanes (add the low 7 bits, then xor in the top bits). Exact,
 * and about 5× fewer iterations than byte by byte.
 */
function accumulateBytes4(w: Uint32Array, pixelsPerRow: number, rows: number): void {
  for (let r = 0; r < rows; r++) {
    const start = r * pixelsPerRow;
    let prev = w[start];
    for (let i = start + 1, end = start + pixelsPerRow; i < end; i++) {
      const x = w[i];
      prev = (((x & 0x7f7f7f7f) + (prev & 0x7f7f7f7f)) ^ ((x ^ prev) & 0x80808080)) >>> 0;
      w[i] = prev;
    }
  }
}

/** Floating-point predictor: byte-wise differencing over the row, bytes stored in planes, most significant first. */
export function undoFloatingPointPredictor(
  data: Uint8Array, rowSamples: number, rows: number, stride: number, bytesPerSample: number,
): void {
  const rowBytes = rowSamples * bytesPerSample;
  const tmp = new Uint8Array(rowBytes);
  for (let r = 0; r < rows; r++) {
    const row = data.subarray(r * rowBytes, (r + 1) * rowBytes);
    for (let i = stride; i < rowBytes; i++) row[i] = (row[i] + row[i - stride]) & 0xff;
    tmp.set(row);
    for (let s = 0; s < rowSamples; s++) {
      for (let b = 0; b < bytesPerSample; b++) {
        // Little-endian host: the least significant byte comes from the last plane.
        row[s * bytesPerSample + b] = tmp[(bytesPerSample - b - 1) * rowSamples + s];
      }
    }
  }
}

/** Swaps each `bytesPerSample`-byte word in place (big-endian file → little-endian host). */
export function swapBytes(data: Uint8Array, bytesPerSample: number): void {
  if (bytesPerSample === 2) {
    for (let i = 0; i + 1 < data.length; i += 2) { const t = data[i]; data[i] = data[i + 1]; data[i + 1] = t; }
  } else if (bytesPerSample === 4 || bytesPerSample === 8) {
    for (let i = 0; i + bytesPerSample <= data.length; i += bytesPerSample) data.subarray(i, i + bytesPerSample).reverse();
  }
}
