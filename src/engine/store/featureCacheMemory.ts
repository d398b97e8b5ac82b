// The in-memory twin of SqliteFeatureCache: same interface, same fp16 round trip and LRU eviction, no file.
import { decodeFeatures, encodeFeatures, type EncodedFeatures } from './featureBlob';
import { DEFAULT_CACHE_CAP_BYTES, type FeatureBuffer, type FeatureCache, type FeatureCacheStats, type FeatureSet, type PutOptions } from './featureCache';

interface Entry {
  readonly backbone: string;
  readonly enc: EncodedFeatures;
}

export class MemoryFeatureCache implements FeatureCache {
  // A Map iterates in insertion order: re-inserting on use makes the first key the least recently used.
  private readonly entries = new Map<string, Entry>();
  private readonly windows = new Map<string, string>();
  private cap = DEFAULT_CACHE_CAP_BYTES;
  private hits = 0;
  private misses = 0;
  private evicted = 0;
  private corruptDropped = 0;

  get(key: string, into?: FeatureBuffer): FeatureSet | null {
    const e = this.entries.get(key);
    if (!e) {
      this.misses++;
      return null;
    }
    const set = decodeFeatures(e.enc.tensors, e.enc.codec, e.enc.rawBytes, e.enc.data, e.enc.checksum, into);
    this.entries.delete(key);
    if (!set) {
      this.corruptDropped++;
      this.misses++;
      return null;
    }
    this.entries.set(key, e);
    this.hits++;
    return set;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  put(key: string, features: FeatureSet, opts: PutOptions): void {
    this.entries.delete(key);
    this.entries.set(key, { backbone: opts.backbone, enc: encodeFeatures(features, 'fp16') });
    this.evict(key);
  }

  indexWindow(source: string, window: string, settings: string, key: string): void {
    this.windows.set(`${source}\n${window}\n${settings}`, key);
  }

  lookupWindow(source: string, window: string, settings: string): string | null {
    return this.windows.get(`${source}\n${window}\n${settings}`) ?? null;
  }

  setCapBytes(bytes: number): void {
    if (!(bytes >= 0) || !Number.isFinite(bytes)) throw new RangeError(`cache cap must be a finite number of bytes ≥ 0, got ${bytes}`);
    this.cap = Math.floor(bytes);
    this.evict(null);
  }

  stats(): FeatureCacheStats {
    const by = new Map<string, { entries: number; bytes: number }>();
    let bytes = 0;
    for (const e of this.entries.values()) {
      bytes += e.enc.data.length;
      const b = by.get(e.backbone) ?? { entries: 0, bytes: 0 };
      b.entries++;
      b.bytes += e.enc.data.length;
      by.set(e.backbone, b);
    }
    return {
      entries: this.entries.size,
      bytes,
      capBytes: this.cap,
      hits: this.hits,
      misses: this.misses,
      corruptDropped: this.corruptDropped,
      evicted: this.evicted,
      byBackbone: [...by.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([backbone, v]) => ({ backbone, ...v })),
      fileBytes: null,
      path: null,
    };
  }

  clear(backbone?: string): number {
    let n = 0;
    for (const [k, e] of [...this.entries]) {
      if (backbone === undefined || e.backbone === backbone) {
        this.entries.delete(k);
        n++;
      }
    }
    if (backbone === undefined) this.windows.clear();
    return n;
  }

  close(): void {}

  /** Test hook: flips a byte of a stored blob, as disk corruption would. */
  corruptForTest(key: string): void {
    const e = this.entries.get(key);
    if (e) e.enc.data[e.enc.data.length >> 1] ^= 0xff;
  }

  private evict(keep: string | null): void {
    let total = 0;
    for (const e of this.entries.values()) total += e.enc.data.length;
    for (const [k, e] of this.entries) {
      if (total <= this.cap) break;
      if (k === keep) continue;
      this.entries.delete(k);
      total -= e.enc.data.length;
      this.evicted++;
    }
    if (total > this.cap && keep !== null && this.entries.has(keep)) {
      this.entries.delete(keep);
      this.evicted++;
    }
  }
}
