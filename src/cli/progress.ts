// Progress for long commands: a redrawn bar on a terminal, plain lines (at most one per second, and the
// last one) otherwise, so logs and CI output stay readable.
export interface ProgressUpdate {
  done: number;
  total: number;
  /** e.g. "tiles", "bytes". */
  unit?: string;
  message?: string;
}

export interface ProgressReporter {
  update(p: ProgressUpdate): void;
  finish(message?: string): void;
}

function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--';
  if (seconds < 60) return `${seconds.toFixed(0)}s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export function createProgress(
  label: string,
  stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number },
  now: () => number = () => performance.now(),
): ProgressReporter {
  const start = now();
  let lastLine = -Infinity;
  let lastPlain = '';
  let drawn = false;
  const tty = stream.isTTY === true;
  return {
    update({ done, total, unit = '', message }) {
      const t = now();
      const elapsed = (t - start) / 1000;
      const frac = total > 0 ? Math.min(1, done / total) : 0;
      const rate = elapsed > 0 ? done / elapsed : 0;
      const eta = rate > 0 ? (total - done) / rate : NaN;
      const counts = `${done}/${total}${unit ? ' ' + unit : ''}`;
      if (tty) {
        if (t - lastLine < 50 && done < total) return;
        lastLine = t;
        const width = Math.max(10, Math.min(40, (stream.columns ?? 80) - label.length - counts.length - 30));
        const filled = Math.round(frac * width);
        const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
        stream.write(`\r${label} ${bar} ${(frac * 100).toFixed(0).padStart(3)}% ${counts} ETA ${formatEta(eta)}${message ? ' ' + message : ''}\x1b[K`);
        drawn = true;
      } else {
        if (t - lastLine < 1000 && done < total) return;
        lastLine = t;
        const line = `${label}: ${(frac * 100).toFixed(0)}% (${counts}${rate > 0 ? `, ${rate.toFixed(2)} ${unit || 'items'}/s, ETA ${formatEta(eta)}` : ''})${message ? ' ' + message : ''}`;
        if (line !== lastPlain) stream.write(line + '\n');
        lastPlain = line;
      }
    },
    finish(message) {
      const elapsed = (now() - start) / 1000;
      if (tty && drawn) stream.write('\r\x1b[K');
      stream.write(`${label}: done in ${elapsed.toFixed(1)}s${message ? ' — ' + message : ''}\n`);
    },
  };
}
