// Per-class holdout metrics (IoU, F1, precision, recall, support), with the mean row; optionally beside other heads.
import type { HeadMetrics } from '../../shared/contract';

const pct = (v: number | null) => (v !== null && Number.isFinite(v) ? (v * 100).toFixed(1) : '—');

export function MetricsTable({ metrics }: { metrics: HeadMetrics }) {
  return (
    <table className="metrics" data-testid="metrics-table">
      <thead><tr><th>Class</th><th>IoU</th><th>F1</th><th>Prec.</th><th>Recall</th><th>Pixels</th></tr></thead>
      <tbody>
        {metrics.perClass.map((c) => (
          <tr key={c.classId}><td>{c.name}</td><td>{pct(c.iou)}</td><td>{pct(c.f1)}</td><td>{pct(c.precision)}</td><td>{pct(c.recall)}</td><td>{c.support.toLocaleString('en-US')}</td></tr>
        ))}
      </tbody>
      <tfoot><tr><th>mIoU / accuracy</th><td>{pct(metrics.mIoU)}</td><td colSpan={3}>accuracy {pct(metrics.accuracy)}</td><td>{metrics.holdoutPixels.toLocaleString('en-US')}</td></tr></tfoot>
    </table>
  );
}

export function CompareMetricsTable({ rows }: { rows: readonly { name: string; metrics: HeadMetrics | null }[] }) {
  const classes = [...new Map(rows.flatMap((r) => r.metrics?.perClass ?? []).map((c) => [c.classId, c.name])).entries()];
  return (
    <table className="metrics" data-testid="compare-metrics">
      <thead><tr><th>Class (IoU %)</th>{rows.map((r) => <th key={r.name}>{r.name}</th>)}</tr></thead>
      <tbody>
        {classes.map(([id, name]) => (
          <tr key={id}><td>{name}</td>{rows.map((r) => <td key={r.name}>{pct(r.metrics?.perClass.find((c) => c.classId === id)?.iou ?? NaN)}</td>)}</tr>
        ))}
      </tbody>
      <tfoot><tr><th>mIoU</th>{rows.map((r) => <td key={r.name}>{pct(r.metrics?.mIoU ?? NaN)}</td>)}</tr></tfoot>
    </table>
  );
}
