// Whichever modal dialog the UI state asks for; each in its own error boundary.
import { useEngine, useModel, useUi } from '../AppContext';
import { recover } from '../state/projectOps';
import { ExportDialog } from './ExportDialog';
import { FileDialog } from './FileDialog';
import { ImportLabelsDialog } from './ImportLabelsDialog';
import { Modal } from './Modal';
import { PanelBoundary } from './PanelBoundary';
import { StyleDialog } from './StyleDialog';

function RecoveryDialog({ entries }: { entries: readonly { key: string; name: string; savedAt: string; projectPath: string | null }[] }) {
  const model = useModel();
  const close = () => model.setUi({ dialog: null });
  return (
    <Modal title="Recover unsaved work" onClose={close} footer={<button onClick={close}>Later</button>}>
      <p>SatDiFuser Studio closed without saving these projects. Their last autosaved state can be recovered:</p>
      <ul className="recovery-list">
        {entries.map((e) => (
          <li key={e.key}>
            <div><b>{e.name}</b> — {e.projectPath ?? 'never saved'} — autosaved {new Date(e.savedAt).toLocaleString()}</div>
            <div className="row-buttons">
              <button className="primary" onClick={() => { close(); void recover(model, e.key); }}>Recover</button>
              <button onClick={() => { void model.client.call('project.discardRecovery', { key: e.key }); model.setUi((s) => (s.dialog?.kind === 'recovery' ? { dialog: { kind: 'recovery', entries: s.dialog.entries.filter((x) => x.key !== e.key) } } : {})); }}>Discard</button>
            </div>
          </li>
        ))}
      </ul>
    </Modal>
  );
}

function AboutDialog() {
  const model = useModel();
  const info = useEngine((s) => s.info);
  return (
    <Modal title="About SatDiFuser Studio" onClose={() => model.setUi({ dialog: null })}>
      <p>A desktop GIS whose analysis core is SatDiFuser (ICCV 2025): a frozen latent diffusion backbone used as a feature extractor, learned multi-scale multi-timestep feature fusion, and segmentation heads.</p>
      {info && (
        <table className="kv"><tbody>
          <tr><th>Version</th><td>{info.version}</td></tr>
          <tr><th>Mode</th><td>{info.host === 'web' ? 'Web mode (local engine)' : 'Desktop'}</td></tr>
          <tr><th>Platform</th><td>{info.platform}</td></tr>
          <tr><th>Execution provider</th><td>{info.executionProvider.detail}</td></tr>
          <tr><th>Data folder</th><td>{info.dataDir}</td></tr>
          {Object.entries(info.capabilities).filter(([, c]) => !c.available).map(([k, c]) => <tr key={k}><th>{k}</th><td>{c.reason}</td></tr>)}
        </tbody></table>
      )}
    </Modal>
  );
}

export function Dialogs() {
  const dialog = useUi((s) => s.dialog);
  if (!dialog) return null;
  let body;
  switch (dialog.kind) {
    case 'file': body = <FileDialog request={dialog.request} resolve={dialog.resolve} />; break;
    case 'export': body = <ExportDialog />; break;
    case 'style': body = <StyleDialog layerId={dialog.layerId} />; break;
    case 'recovery': body = <RecoveryDialog entries={dialog.entries} />; break;
    case 'importLabels': body = <ImportLabelsDialog dataset={dialog.dataset} />; break;
    case 'about': body = <AboutDialog />; break;
  }
  return <PanelBoundary name={`${dialog.kind} dialog`}>{body}</PanelBoundary>;
}
