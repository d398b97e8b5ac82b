// shpjs ships no types; this is the part of its API the engine uses.
declare module 'shpjs' {
  export function parseShp(shp: ArrayBufferView | ArrayBuffer, prj?: string | false): Array<{ type: string; coordinates: unknown } | null>;
  export function parseDbf(dbf: ArrayBufferView | ArrayBuffer, cpg?: string | ArrayBufferView): Array<Record<string, unknown>>;
}
