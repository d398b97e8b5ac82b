// Public surface of the GeoTIFF/COG writer.
export { createCogWriter, CogWriter, type CogResult } from './cog-writer';
export type { CogWriterOptions, CogProgress, ColorEntry } from './cog-options';
export type { CrsSpec } from './georeference';
export type { MetadataItem, Provenance } from './gdal-metadata';
export type { Resampling } from './downsample';
export type { LevelGeometry } from './pyramid';
export type { SampleArray } from './sample-type';
export { writeCogFromSource, type WindowSource } from './write-from-source';
export { rewriteAsCog, type RewriteOptions, type RewriteResult } from './rewrite';
