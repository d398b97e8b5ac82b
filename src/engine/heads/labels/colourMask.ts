// RGB(A) colour masks (as annotation tools export them) → class-id rasters. An exact colour match is required: a
// mask saved as JPEG has blended edge colours, and guessing the nearest class there would invent labels.
import { InvalidArgumentError } from '../../../shared/errors';
import { IGNORE_INDEX } from '../metrics';

export interface ColourClass {
  readonly id: number;
  readonly rgb: readonly [number, number, number];
}

export interface ColourMaskResult {
  readonly classIds: Uint8Array;
  /** Pixels whose colour matched no entry and were set to the ignore value. */
  readonly unmatched: number;
  /** Up to 8 unmatched colours, for the error message. */
  readonly unmatchedColours: string[];
}

const key = (r: number, g: number, b: number) => (r << 16) | (g << 8) | b;
export const hexColour = (rgb: readonly [number, number, number]) => '#' + rgb.map((v) => v.toString(16).padStart(2, '0')).join('').toUpperCase();

/**
 * Maps each pixel of an interleaved image (`channels` = 3 or 4 values per pixel) to the id of its colour.
 * Colours listed with id = IGNORE_INDEX (e.g. black for unannotated gaps) become "ignore" on purpose; colours not
 * listed at all also become "ignore" but are counted, so the caller can refuse a mask that is mostly unknown.
 */
export function colourMaskToClassIds(pixels: ArrayLike<number>, channels: 3 | 4, table: readonly ColourClass[]): ColourMaskResult {
  if (pixels.length % channels !== 0) throw new InvalidArgumentError(`A colour mask of ${pixels.length} values is not a whole number of ${channels}-channel pixels.`);
  const lut = new Map<number, number>();
  for (const c of table) {
    if (!(Number.isInteger(c.id) && c.id >= 0 && c.id <= 255)) throw new InvalidArgumentError(`Class id ${c.id} for colour ${hexColour(c.rgb)} is not in 0…255.`);
    const k = key(...c.rgb);
    if (lut.has(k) && lut.get(k) !== c.id) throw new InvalidArgumentError(`Colour ${hexColour(c.rgb)} is listed for two classes.`);
    lut.set(k, c.id);
  }
  const n = pixels.length / channels;
  const classIds = new Uint8Array(n);
  let unmatched = 0;
  const unknown = new Set<string>();
  for (let i = 0; i < n; i++) {
    const o = i * channels;
    const id = lut.get(key(pixels[o]!, pixels[o + 1]!, pixels[o + 2]!));
    if (id === undefined) {
      classIds[i] = IGNORE_INDEX;
      unmatched++;
      if (unknown.size < 8) unknown.add(hexColour([pixels[o]!, pixels[o + 1]!, pixels[o + 2]!]));
    } else {
      classIds[i] = id;
    }
  }
  return { classIds, unmatched, unmatchedColours: [...unknown] };
}
