// Plain-text tables of head scores for the CLI: one row per class, one column group per head.
import type { MetricsSummary } from './artifact/card';
import type { ClassDef } from './dataset/manifest';

const pct = (v: number | null | undefined) => (v === null || v === undefined || Number.isNaN(v) ? '   –  ' : `${(100 * v).toFixed(1).padStart(5)} `);

export function formatMetricsTable(heads: readonly { name: string; metrics: MetricsSummary }[], classes: readonly ClassDef[]): string {
  const seg = heads[0]?.metrics.mIoU !== undefined;
  const nameW = Math.max(12, ...classes.map((c) => c.name.length + 5));
  const colW = Math.max(15, ...heads.map((h) => h.name.length + 2));
  const lines: string[] = [];
  lines.push(''.padEnd(nameW) + heads.map((h) => h.name.padStart(colW)).join(''));
  lines.push(''.padEnd(nameW) + heads.map(() => (seg ? 'IoU %  F1 %' : 'F1 %  recall%').padStart(colW)).join(''));
  for (const c of classes) {
    const cells = heads.map((h) => {
      const k = h.metrics.perClass.find((p) => p.id === c.id);
      return (seg ? pct(k?.iou) + pct(k?.f1) : pct(k?.f1) + pct(k?.recall)).padStart(colW);
    });
    lines.push(`${String(c.id).padStart(3)} ${c.name}`.slice(0, nameW - 1).padEnd(nameW) + cells.join(''));
  }
  if (seg) {
    lines.push('mIoU %'.padEnd(nameW) + heads.map((h) => pct(h.metrics.mIoU).padStart(colW)).join(''));
    lines.push('overall acc. %'.padEnd(nameW) + heads.map((h) => pct(h.metrics.overallAccuracy).padStart(colW)).join(''));
  } else {
    lines.push('accuracy %'.padEnd(nameW) + heads.map((h) => pct(h.metrics.accuracy).padStart(colW)).join(''));
    lines.push('macro-F1 %'.padEnd(nameW) + heads.map((h) => pct(h.metrics.macroF1).padStart(colW)).join(''));
  }
  lines.push('scored'.padEnd(nameW) + heads.map((h) => String(h.metrics.scored).padStart(colW)).join(''));
  return lines.join('\n') + '\n';
}
