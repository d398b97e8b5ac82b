// Builds the overview levels from tiles as they arrive, in any order, without ever holding a whole
// level: each finished tile is reduced 2× into a quadrant of its parent tile; a parent is emitted (and
// reduced into its own parent) as soon as all of its children have arrived. Memory is the parents in
// progress: for tiles arriving row by row, about one row of tiles per level.
import { reduceTile, type Resampling } from './downsample';
import type { LevelGeometry } from './pyramid';
import type { SampleArray, SampleType } from './sample-type';

/** Receives every finished overview tile (level ≥ 1), padded to tileSize × tileSize per band. */
export type EmitTile = (level: number, col: number, row: number, bands: SampleArray[]) => void;

interface Pending {
  readonly bands: SampleArray[];
  received: number;
  readonly expected: number;
}

export class OverviewBuilder {
  private readonly pending: Map<number, Pending>[];

  constructor(
    private readonly levels: readonly LevelGeometry[],
    private readonly tileSize: number,
    private readonly bandCount: number,
    private readonly type: SampleType,
    private readonly method: Resampling,
    private readonly nodata: number | null,
    private readonly emit: EmitTile,
  ) {
    this.pending = levels.map(() => new Map());
  }

  /** Parent tiles in progress, all levels together (for tests of the memory bound). */
  get pendingTiles(): number {
    return this.pending.reduce((n, m) => n + m.size, 0);
  }

  /** Feeds a finished tile of `level` (padded tile-size arrays, one per band). */
  add(level: number, col: number, row: number, bands: readonly SampleArray[]): void {
    const parentLevel = level + 1;
    if (parentLevel >= this.levels.length) return;
    const T = this.tileSize;
    const g = this.levels[level];
    const validWidth = Math.min(T, g.width - col * T);
    const validHeight = Math.min(T, g.height - row * T);
    const pc = col >> 1;
    const pr = row >> 1;
    const parentGrid = this.levels[parentLevel];
    const key = pr * parentGrid.tilesAcross + pc;
    const map = this.pending[parentLevel];
    let parent = map.get(key);
    if (!parent) {
      const childCols = Math.min(2, g.tilesAcross - 2 * pc);
      const childRows = Math.min(2, g.tilesDown - 2 * pr);
      const fill = this.nodata ?? 0;
      const parentBands: SampleArray[] = [];
      for (let b = 0; b < this.bandCount; b++) {
        const a = new this.type.ArrayType(T * T);
        if (fill !== 0) a.fill(fill);
        parentBands.push(a);
      }
      parent = { bands: parentBands, received: 0, expected: childCols * childRows };
      map.set(key, parent);
    }
    const params = {
      tileSize: T, validWidth, validHeight,
      dstX: (col & 1) * (T >> 1), dstY: (row & 1) * (T >> 1),
      nodata: this.nodata, isFloat: this.type.isFloat,
    };
    for (let b = 0; b < this.bandCount; b++) reduceTile(this.method, bands[b], parent.bands[b], params);
    parent.received++;
    if (parent.received === parent.expected) {
      map.delete(key);
      // Reduce before emitting: the receiver may then reuse the arrays.
      this.add(parentLevel, pc, pr, parent.bands);
      this.emit(parentLevel, pc, pr, parent.bands);
    }
  }
}
