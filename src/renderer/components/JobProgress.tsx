// A job's progress bar with rate, ETA and Cancel; its outcome (done, failed with the reason, cancelled) after.
import { useJobs, useModel } from '../AppContext';
import { cancelJob } from '../state/jobOps';
import { ErrorMessage } from './ErrorMessage';
import { deserializeError } from '../../shared/errors';

export function JobProgress({ jobId }: { jobId: string | null }) {
  const model = useModel();
  const job = useJobs((j) => (jobId ? j[jobId] ?? null : null));
  if (!job) return null;
  const p = job.progress;
  const pct = p && p.total > 0 ? (100 * p.done) / p.total : null;
  if (job.outcome?.status === 'failed') return <ErrorMessage error={deserializeError(job.outcome.reason)} />;
  if (job.outcome?.status === 'cancelled') return <p className="note" data-testid="job-cancelled">Cancelled after {job.outcome.done} of {job.outcome.total} {p?.unit ?? 'units'}{job.outcome.resumable ? ' — running it again resumes where it stopped.' : '.'}</p>;
  if (job.outcome?.status === 'succeeded') return <p className="note ok" data-testid="job-done">Done in {job.outcome.elapsedSeconds.toFixed(1)} s.</p>;
  return (
    <div className="job-progress" data-testid="job-progress">
      <progress max={100} value={pct ?? undefined} />
      <div className="job-line">
        <span>{p ? `${p.phase === 'tiles' ? '' : p.phase + ' · '}${p.done}/${p.total} ${p.unit}` : 'Starting…'}</span>
        {p && p.rate > 0 && <span>{p.rate.toFixed(2)} {p.unit}/s</span>}
        {p?.etaSeconds != null && <span>ETA {Math.ceil(p.etaSeconds)} s</span>}
        <button className="danger" onClick={() => void cancelJob(model, job.jobId)}>Cancel</button>
      </div>
      {job.log.length > 0 && <div className="job-log">{job.log[job.log.length - 1]}</div>}
    </div>
  );
}
