// Styles for analysis rasters: class masks drawn with the class palette (255 = no class, transparent),
// probabilities as a transparent-to-class-colour ramp, disagreement from clear to red.
import type { ClassInfo } from '../../shared/contract';

type Expr = unknown;

export const NO_CLASS = 255;

export function maskStyleExpression(classes: readonly ClassInfo[]): { color: Expr } {
  // A `case` chain rather than `palette`, so class ids need not be contiguous.
  const cases: Expr[] = [];
  for (const c of classes) cases.push(['==', ['band', 1], c.id], [c.color[0], c.color[1], c.color[2], 1]);
  return { color: ['case', ...cases, [0, 0, 0, 0]] };
}

/** Probabilities as the segmentation job writes them: percent 0–100 per class band, 255 = nodata. */
export function probabilityStyleExpression(cls: ClassInfo): { color: Expr } {
  const [r, g, b] = cls.color;
  return { color: ['case', ['>', ['band', 1], 100], [0, 0, 0, 0], ['interpolate', ['linear'], ['band', 1], 0, [r, g, b, 0], 100, [r, g, b, 1]]] };
}

export function disagreementStyleExpression(): { color: Expr } {
  return { color: ['case', ['<=', ['band', 1], 0], [0, 0, 0, 0], ['==', ['band', 1], 1], [255, 170, 0, 0.85], [220, 0, 40, 0.95]] };
}
