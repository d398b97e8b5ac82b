// TIFF 6.0 / BigTIFF / GeoTIFF 1.1 / GDAL private tag numbers and field types used by the writer.
// Only what the writer emits is listed; the numbers come from the TIFF 6.0 spec, the GeoTIFF 1.1
// standard (OGC 19-008r4) and GDAL's frmts/gtiff/gtiff.h.

export const Tag = {
  NewSubfileType: 254,
  ImageWidth: 256,
  ImageLength: 257,
  BitsPerSample: 258,
  Compression: 259,
  PhotometricInterpretation: 262,
  SamplesPerPixel: 277,
  PlanarConfiguration: 284,
  Software: 305,
  Predictor: 317,
  ColorMap: 320,
  TileWidth: 322,
  TileLength: 323,
  TileOffsets: 324,
  TileByteCounts: 325,
  ExtraSamples: 338,
  SampleFormat: 339,
  ModelPixelScale: 33550,
  ModelTiepoint: 33922,
  ModelTransformation: 34264,
  GeoKeyDirectory: 34735,
  GeoDoubleParams: 34736,
  GeoAsciiParams: 34737,
  GdalMetadata: 42112,
  GdalNodata: 42113,
} as const;

/** TIFF field types; the value is the type code written in the IFD entry. */
export const FieldType = {
  ASCII: 2,
  SHORT: 3,
  LONG: 4,
  DOUBLE: 12,
  LONG8: 16,
} as const;
export type FieldType = (typeof FieldType)[keyof typeof FieldType];

export const fieldTypeSize: Record<FieldType, number> = {
  [FieldType.ASCII]: 1,
  [FieldType.SHORT]: 2,
  [FieldType.LONG]: 4,
  [FieldType.DOUBLE]: 8,
  [FieldType.LONG8]: 8,
};

export const Compression = { None: 1, Deflate: 8 } as const;
export const Photometric = { MinIsBlack: 1, Rgb: 2, Palette: 3 } as const;
export const Planar = { Contiguous: 1, Separate: 2 } as const;
export const PredictorCode = { None: 1, Horizontal: 2, FloatingPoint: 3 } as const;
export const ExtraSample = { Unspecified: 0, UnassociatedAlpha: 2 } as const;
