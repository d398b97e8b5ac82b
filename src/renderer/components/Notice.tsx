// The notice bar: messages from actions that have no panel of their own (menu commands, drops, saves).
import { useEffect } from 'react';
import { useModel, useUi } from '../AppContext';

export function Notice() {
  const model = useModel();
  const notice = useUi((s) => s.notice);
  useEffect(() => {
    if (!notice || notice.level === 'error') return;
    const t = setTimeout(() => model.setUi({ notice: null }), 4000);
    return () => clearTimeout(t);
  }, [notice, model]);
  if (!notice) return null;
  return (
    <div className={`notice ${notice.level}`} role={notice.level === 'error' ? 'alert' : 'status'} data-testid="notice">
      <span>{notice.text}</span>
      {notice.hint && <span className="error-hint">{notice.hint}</span>}
      <button className="icon" aria-label="Dismiss" onClick={() => model.setUi({ notice: null })}>×</button>
    </div>
  );
}
