// Undoes TIFF predictors in place on one decoded block. Input is in host byte order for predictor 2 (the caller
// byte-swaps first) and in the file's plane order for predictor 3, whose output is host order by construction
// (TIFF Technical Note 3, as libtiff's fpAcc implements it).

/** Horizontal differencing: each sample is stored as the difference to the same sample of the previous pixel. */
export function undoHorizontalDifferencing(
  data: Uint8Array, rowSamples: number, rows: number, stride: number, bytesPerSample: number,
): void {
  const count = rowSamples * rows;
  const arr =
    bytesPerSample === 1 ? data :
    bytesPerSample === 2 ? new Uint16Array(data.buffer, data.byteOffset, count) :
    bytesPerSample === 4 ? new Uint32Array(data.buffer, data.byteOffset, count) :
    null;
  if (arr) {
    for (let r = 0; r < rows; r++) {
      const start = r * rowSamples;
      for (let i = start + stride, end = start + rowSamples; i < end; i++) arr[i] = arr[i] + arr[i - stride];
    }
    return;
  }
  const big = new BigUint64Array(data.buffer, data.byteOffset, count);
  for (let r = 0; r < rows; r++) {
    const start = r * rowSamples;
    for (let i = start + stride, end = start + rowSamples; i < end; i++) big[i] = BigInt.asUintN(64, big[i] + big[i - stride]);
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
