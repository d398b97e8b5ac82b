// An error as a user should read it, in the panel where it happened: what failed, and what to do.
import { isSatError } from '../../shared/errors';

export function errorText(e: unknown): { message: string; hint: string | null; code: string | null } {
  if (isSatError(e)) return { message: e.message, hint: e.hint ?? null, code: e.code };
  if (e instanceof Error) return { message: e.message, hint: null, code: null };
  return { message: String(e), hint: null, code: null };
}

export function ErrorMessage({ error, onDismiss }: { error: unknown; onDismiss?: () => void }) {
  const { message, hint, code } = errorText(error);
  const notBuilt = code === 'NOT_IMPLEMENTED';
  return (
    <div className={`error-message${notBuilt ? ' not-built' : ''}`} role="alert" data-code={code ?? undefined}>
      <div className="error-title">{notBuilt ? 'Not available yet' : 'Error'}</div>
      <div className="error-text">{message}</div>
      {hint && <div className="error-hint">{hint}</div>}
      {onDismiss && <button className="link" onClick={onDismiss}>Dismiss</button>}
    </div>
  );
}
