// The cache key of a tile's features: everything that changes them, and nothing else. Pixels enter by
// content (a hash of the bytes actually read, the valid mask and the window size), so a moved or renamed
// file still hits and an edited one misses.
import { createHash } from 'node:crypto';

export interface FeatureKeyParts {
  /** sha256 of the window's pixels (see hashWindowPixels). */
  readonly contentHash: string;
  /** Source bands fed to the backbone, 0-based, in order. */
  readonly bands: readonly number[];
  /** Normalisation settings (kind, ranges/percentiles, nodata fill): any JSON. */
  readonly normalization: unknown;
  readonly backboneId: string;
  readonly weightsHash: string;
  /** Extraction settings: timesteps, taps, tile size, latent mode...: any JSON. */
  readonly extraction: unknown;
}

/** JSON with object keys sorted, so equal settings always hash equally. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function sha256Hex(...parts: (string | Uint8Array)[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
}

/** Hash of the settings part of the key (everything but the pixels). */
export function settingsHash(parts: Omit<FeatureKeyParts, 'contentHash'>): string {
  return sha256Hex(canonicalJson({ bands: parts.bands, normalization: parts.normalization, backboneId: parts.backboneId, weightsHash: parts.weightsHash, extraction: parts.extraction }));
}

export function featureKey(parts: FeatureKeyParts): string {
  return sha256Hex(parts.contentHash, '\n', settingsHash(parts));
}

type Typed = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array;

/** Content hash of a block of pixels as read (band-sequential arrays) plus its valid mask. */
export function hashWindowPixels(block: { readonly width: number; readonly height: number; readonly dataType: string; readonly bands: readonly Typed[]; readonly valid: Uint8Array }): string {
  const h = createHash('sha256');
  h.update(`${block.width}x${block.height}:${block.dataType}:${block.bands.length}\n`);
  for (const b of block.bands) h.update(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
  h.update(block.valid);
  return h.digest('hex');
}
