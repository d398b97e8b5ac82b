// TIFF predictor 3, applied in place to one tile's bytes (little-endian samples, rows of
// `width * samplesPerPixel` samples) before DEFLATE. Predictor 2 is fused with interleaving in
// tile-encoder.ts. Differences make smooth imagery compress better.

/**
 * Predictor 3 (Adobe Photoshop TIFF Technical Note 3): per row, the bytes of every sample are split
 * into planes, most significant byte first, then each byte minus the byte `samplesPerPixel` before it.
 * This is libtiff's fpDiff; `scratch` must hold one row.
 */
export function floatingPointDifference(bytes: Uint8Array, width: number, rows: number, samplesPerPixel: number, bytesPerSample: 4 | 8, scratch: Uint8Array = new Uint8Array(width * samplesPerPixel * bytesPerSample)): void {
  const wc = width * samplesPerPixel;
  const rowBytes = wc * bytesPerSample;
  for (let r = 0; r < rows; r++) {
    const base = r * rowBytes;
    scratch.set(bytes.subarray(base, base + rowBytes));
    for (let i = 0; i < wc; i++) {
      const src = i * bytesPerSample;
      // Input is little-endian: byte b of the sample goes to plane (bytesPerSample - 1 - b).
      for (let b = 0; b < bytesPerSample; b++) bytes[base + (bytesPerSample - 1 - b) * wc + i] = scratch[src + b];
    }
    for (let j = base + rowBytes - 1; j >= base + samplesPerPixel; j--) bytes[j] = (bytes[j] - bytes[j - samplesPerPixel]) & 0xff;
  }
}
