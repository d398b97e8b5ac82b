// Rewrites any raster the reader opens as a cloud-optimized GeoTIFF: the pixels tile by tile, and the
// georeferencing, nodata, colour table, band descriptions, metadata and category names carried over.
// What cannot be carried (an internal mask, a CRS with no GeoTIFF encoding) is said in `notes`.
import { basename } from 'node:path';
import { openRaster } from '../../raster/open';
import { crsSpecFromInfo, readCarryOver } from './carry-over';
import type { CogResult } from './cog-writer';
import type { CogWriterOptions } from './cog-options';
import type { SampleArray } from './sample-type';
import { writeCogFromSource } from './write-from-source';

/** The writer's layout options; everything else (georeferencing, colours, names) comes from the source. */
export interface RewriteOptions extends Pick<CogWriterOptions,
  'tileSize' | 'compression' | 'level' | 'predictor' | 'interleave' | 'overviews' | 'resampling' | 'bigTiff' | 'signal' | 'onProgress'> {
  /** Nodata of the output; undefined keeps the source's, null removes it. */
  readonly nodata?: number | null;
}

export interface RewriteResult extends CogResult {
  readonly source: string;
  readonly width: number;
  readonly height: number;
  readonly bands: number;
  readonly dataType: string;
  readonly notes: readonly string[];
}

export async function rewriteAsCog(input: string, output: string, options: RewriteOptions = {}): Promise<RewriteResult> {
  const src = await openRaster(input, { signal: options.signal });
  try {
    const info = src.info;
    const notes: string[] = [];
    const carry = await readCarryOver(info, options.signal);
    let crs = carry?.crs ?? null;
    if (!crs && info.crs) {
      crs = crsSpecFromInfo(info);
      if (!crs) notes.push(`the CRS (${info.crs.name || info.crs.definition}) has no EPSG code or WKT to store: the output has no CRS; assign one with gdal_edit.py -a_srs`);
    }
    if (info.mask === 'internal') notes.push('the source has an internal validity mask, which is not copied: give --nodata to mark invalid pixels');
    const isMask = (carry?.colorTable?.length ?? 0) > 0 || (carry?.classNames?.length ?? 0) > 0;
    const writerOptions: CogWriterOptions = {
      width: info.width,
      height: info.height,
      bands: info.bands,
      dataType: info.dataType,
      tileSize: options.tileSize,
      compression: options.compression,
      level: options.level,
      predictor: options.predictor,
      interleave: options.interleave,
      overviews: options.overviews,
      resampling: options.resampling ?? (isMask ? 'nearest' : 'average'),
      bigTiff: options.bigTiff,
      crs,
      transform: info.georeferenced ? info.transform : null,
      nodata: options.nodata === undefined ? info.nodata : options.nodata,
      colorTable: carry?.colorTable ?? undefined,
      classNames: carry?.classNames ?? undefined,
      photometric: carry?.photometric ?? 'auto',
      alpha: carry?.alpha ?? false,
      bandNames: info.bandNames.some((n) => n) ? info.bandNames.map((n) => n ?? '') : undefined,
      metadata: carry?.metadata ?? [],
      provenance: { sourceFile: basename(info.path) },
      signal: options.signal,
      onProgress: options.onProgress,
    };
    const result = await writeCogFromSource(output, {
      read: async (window, signal) => (await src.read({ window, signal })).bands as SampleArray[],
    }, writerOptions);
    return { ...result, source: info.path, width: info.width, height: info.height, bands: info.bands, dataType: info.dataType, notes };
  } finally {
    await src.close();
  }
}
