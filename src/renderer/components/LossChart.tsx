// The live loss curve (train and holdout) as a small SVG chart with a log-scaled y axis when losses span decades.
import type { LossPoint } from '../../shared/contract';

export function lossChartPaths(points: readonly LossPoint[], w: number, h: number): { train: string; holdout: string; yMin: number; yMax: number; log: boolean } {
  const values = points.flatMap((p) => [p.trainLoss, p.holdoutLoss]).filter((v): v is number => v !== null && Number.isFinite(v) && v > 0);
  if (points.length === 0 || values.length === 0) return { train: '', holdout: '', yMin: 0, yMax: 1, log: false };
  let yMin = Math.min(...values);
  let yMax = Math.max(...values);
  const log = yMax / yMin > 20;
  const f = (v: number) => (log ? Math.log10(v) : v);
  if (yMax === yMin) { yMax *= 1.1; yMin *= 0.9; }
  const xMax = Math.max(1, points[points.length - 1]!.step);
  const x = (s: number) => (s / xMax) * w;
  const y = (v: number) => h - ((f(v) - f(yMin)) / (f(yMax) - f(yMin))) * h;
  const path = (get: (p: LossPoint) => number | null) => points
    .filter((p) => { const v = get(p); return v !== null && Number.isFinite(v) && v > 0; })
    .map((p, i) => `${i ? 'L' : 'M'}${x(p.step).toFixed(1)},${y(get(p)!).toFixed(1)}`).join('');
  return { train: path((p) => p.trainLoss), holdout: path((p) => p.holdoutLoss), yMin, yMax, log };
}

export function LossChart({ points }: { points: readonly LossPoint[] }) {
  const w = 260, h = 110;
  const { train, holdout, yMin, yMax, log } = lossChartPaths(points, w, h);
  const last = points[points.length - 1];
  const lastTrain = [...points].reverse().find((p) => p.trainLoss !== null && Number.isFinite(p.trainLoss))?.trainLoss ?? null;
  return (
    <figure className="loss-chart" data-testid="loss-chart">
      <svg viewBox={`-34 -6 ${w + 40} ${h + 22}`} role="img" aria-label="Loss curve">
        <rect x={0} y={0} width={w} height={h} className="plot-bg" />
        <path d={train} className="train" />
        <path d={holdout} className="holdout" />
        <text x={-4} y={6} textAnchor="end">{yMax.toPrecision(2)}</text>
        <text x={-4} y={h} textAnchor="end">{yMin.toPrecision(2)}</text>
        <text x={w} y={h + 14} textAnchor="end">step {last?.step ?? 0}{log ? ' · log scale' : ''}</text>
      </svg>
      <figcaption><span className="key train" /> train <span className="key holdout" /> holdout{last ? ` · epoch ${last.epoch}${lastTrain !== null ? ` · loss ${lastTrain.toFixed(4)}` : ''}` : ''}</figcaption>
    </figure>
  );
}
