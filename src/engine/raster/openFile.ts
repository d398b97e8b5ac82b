// Opens a raster file by sniffing its first bytes (not its extension): TIFF/BigTIFF, PNG or JPEG.
import { open as openFd, stat } from 'node:fs/promises';
import { CorruptRasterError, FileNotFoundError, InvalidArgumentError, SatError, UnsupportedRasterError } from '../../shared/errors';
import { FileByteSource } from './byteSource';
import { openImage } from './image/imageSource';
import type { OpenOptions } from './open';
import type { RasterSource } from './source';
import { openTiff } from './tiff/tiffSource';

export type RasterFormat = 'GeoTIFF' | 'PNG' | 'JPEG';

export function sniffFormat(head: Uint8Array): RasterFormat | null {
  if (head.length >= 4 && ((head[0] === 0x49 && head[1] === 0x49 && (head[2] === 42 || head[2] === 43) && head[3] === 0) ||
      (head[0] === 0x4d && head[1] === 0x4d && head[2] === 0 && (head[3] === 42 || head[3] === 43)))) return 'GeoTIFF';
  if (head.length >= 8 && head[0] === 0x89 && head[1] === 0x50 && head[2] === 0x4e && head[3] === 0x47) return 'PNG';
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'JPEG';
  return null;
}

async function readHead(path: string): Promise<Uint8Array> {
  const fh = await openFd(path, 'r');
  try {
    const buf = new Uint8Array(8);
    const { bytesRead } = await fh.read(buf, 0, 8, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

export async function openRasterFile(path: string, opts: OpenOptions = {}): Promise<RasterSource> {
  if (typeof path !== 'string' || path === '') throw new InvalidArgumentError('No raster path was given.');
  let isFile: boolean;
  let size: number;
  try {
    const st = await stat(path);
    isFile = st.isFile();
    size = st.size;
  } catch (e) {
    if ((e as NodeJS.ErrnoException)?.code === 'ENOENT' || (e as NodeJS.ErrnoException)?.code === 'ENOTDIR') throw new FileNotFoundError(path, 'raster');
    throw new SatError('IO_ERROR', `"${path}" cannot be read: ${(e as Error).message}.`, { hint: 'Check the permissions of the file.', cause: e });
  }
  if (!isFile) throw new InvalidArgumentError(`"${path}" is not a file.`, 'Give the path of a GeoTIFF, PNG or JPEG file.');
  let head: Uint8Array;
  try {
    head = await readHead(path);
  } catch (e) {
    throw new SatError('IO_ERROR', `"${path}" cannot be read: ${(e as Error).message}.`, { hint: 'Check the permissions of the file.', cause: e });
  }
  if (size < 8) throw new CorruptRasterError(path, size === 0 ? 'the file is empty' : `the file is only ${size} bytes long`);
  const format = sniffFormat(head);
  if (format === 'PNG' || format === 'JPEG') return openImage(path, format);
  if (format !== 'GeoTIFF') {
    throw new UnsupportedRasterError(path, 'a file format that is not TIFF, PNG or JPEG',
      'Convert it to GeoTIFF with GDAL, e.g. gdal_translate -of GTiff in.xxx out.tif.');
  }
  const source = await FileByteSource.open(path);
  try {
    return await openTiff(source, opts);
  } catch (e) {
    await source.close();
    throw e;
  }
}
