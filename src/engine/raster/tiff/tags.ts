// TIFF 6.0, BigTIFF, GeoTIFF 1.1 and GDAL private tag numbers and codes, shared by the reader (which
// skips every tag not listed here) and the COG writer. The numbers come from the TIFF 6.0 spec, the
// GeoTIFF 1.1 standard (OGC 19-008r4) and GDAL's frmts/gtiff/gtiff.h.
export const Tag = {
  NewSubfileType: 254,
  ImageWidth: 256,
  ImageLength: 257,
  BitsPerSample: 258,
  Compression: 259,
  Photometric: 262,
  ImageDescription: 270,
  StripOffsets: 273,
  SamplesPerPixel: 277,
  RowsPerStrip: 278,
  StripByteCounts: 279,
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
  JPEGTables: 347,
  YCbCrSubSampling: 530,
  ModelPixelScale: 33550,
  ModelTiepoint: 33922,
  ModelTransformation: 34264,
  GeoKeyDirectory: 34735,
  GeoDoubleParams: 34736,
  GeoAsciiParams: 34737,
  GdalMetadata: 42112,
  GdalNodata: 42113,
  LercParameters: 50674,
} as const;

export const knownTags: ReadonlySet<number> = new Set(Object.values(Tag));

/** TIFF field types; the value is the type code of an IFD entry. */
export const FieldType = {
  BYTE: 1,
  ASCII: 2,
  SHORT: 3,
  LONG: 4,
  RATIONAL: 5,
  SBYTE: 6,
  UNDEFINED: 7,
  SSHORT: 8,
  SLONG: 9,
  SRATIONAL: 10,
  FLOAT: 11,
  DOUBLE: 12,
  IFD: 13,
  LONG8: 16,
  SLONG8: 17,
  IFD8: 18,
} as const;
export type FieldType = (typeof FieldType)[keyof typeof FieldType];

/** Byte size of one value of a field type; 0 for codes TIFF does not define (the reader skips those entries). */
export function fieldTypeSize(type: number): number {
  switch (type) {
    case FieldType.BYTE: case FieldType.ASCII: case FieldType.SBYTE: case FieldType.UNDEFINED: return 1;
    case FieldType.SHORT: case FieldType.SSHORT: return 2;
    case FieldType.LONG: case FieldType.SLONG: case FieldType.FLOAT: case FieldType.IFD: return 4;
    case FieldType.RATIONAL: case FieldType.SRATIONAL: case FieldType.DOUBLE:
    case FieldType.LONG8: case FieldType.SLONG8: case FieldType.IFD8: return 8;
    default: return 0;
  }
}

/** Compression codes the writer emits. */
export const Compression = { None: 1, Deflate: 8 } as const;

/** Every compression code → the name GDAL reports for it, for messages about files we cannot decode. */
export const compressionNames: Readonly<Record<number, string>> = {
  1: 'NONE',
  2: 'CCITTRLE',
  3: 'CCITTFAX3',
  4: 'CCITTFAX4',
  5: 'LZW',
  6: 'OJPEG',
  7: 'JPEG',
  8: 'DEFLATE',
  32773: 'PACKBITS',
  32946: 'DEFLATE',
  34712: 'JP2000',
  34887: 'LERC',
  34925: 'LZMA',
  50000: 'ZSTD',
  50001: 'WEBP',
  50002: 'JXL',
};

export const Photometric = { MinIsBlack: 1, Rgb: 2, Palette: 3 } as const;
export const Planar = { Contiguous: 1, Separate: 2 } as const;
export const PredictorCode = { None: 1, Horizontal: 2, FloatingPoint: 3 } as const;
export const ExtraSample = { Unspecified: 0, UnassociatedAlpha: 2 } as const;
