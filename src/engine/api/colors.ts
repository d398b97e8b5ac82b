// Class colours: [r, g, b] in the contract, '#RRGGBB' in head cards and GDAL metadata.
export const hex = (c: readonly [number, number, number]): string => '#' + c.map((v) => Math.round(v).toString(16).padStart(2, '0')).join('').toUpperCase();
