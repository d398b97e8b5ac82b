// Checks a JPEG-in-TIFF block's frame header before it reaches the JPEG decoder: the frame must not be larger
// than the block, and must have the block's number of components with sane sampling factors. A corrupt frame
// size (65535×65535) otherwise sends the decoder through billions of MCUs and gigabytes of buffers.

/** Returns why the block is not a plausible JPEG for this block, or null. `tables` is the JPEGTables tag. */
export function jpegFrameProblem(tables: Uint8Array | null, tile: Uint8Array, blockWidth: number, blockRows: number, components: number): string | null {
  let sofSeen = false;
  for (const data of tables ? [tables, tile] : [tile]) {
    let i = 0;
    while (i + 4 <= data.length) {
      if (data[i] !== 0xff) return `no JPEG marker at byte ${i}`;
      const marker = data[i + 1];
      if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0xff) {
        i += marker === 0xff ? 1 : 2;
        continue;
      }
      if (marker === 0xd9) break; // EOI (end of the tables)
      const len = (data[i + 2] << 8) | data[i + 3];
      if (len < 2 || i + 2 + len > data.length) return `a JPEG segment (marker ${marker.toString(16)}) runs past the block`;
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        const height = (data[i + 5] << 8) | data[i + 6];
        const width = (data[i + 7] << 8) | data[i + 8];
        const nf = data[i + 9];
        if (width === 0 || width > blockWidth || height > Math.max(blockRows, 8) * 2 || width * Math.max(height, 1) > blockWidth * blockRows * 2) {
          return `the JPEG frame is ${width}×${height} for a ${blockWidth}×${blockRows} block`;
        }
        if (nf !== components) return `the JPEG frame has ${nf} components, ${components} expected`;
        if (len < 8 + 3 * nf) return 'the JPEG frame header is truncated';
        for (let c = 0; c < nf; c++) {
          const hv = data[i + 11 + c * 3];
          const h = hv >> 4;
          const v = hv & 15;
          if (h < 1 || h > 4 || v < 1 || v > 4) return `JPEG sampling factors ${h}×${v}`;
        }
        sofSeen = true;
      }
      if (marker === 0xda) {
        // Start of scan: entropy-coded data follows; the frame has been checked by now.
        return sofSeen ? null : 'the JPEG scan comes before any frame header';
      }
      i += 2 + len;
    }
  }
  return sofSeen ? null : 'no JPEG frame header';
}
