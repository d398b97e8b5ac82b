// The file browser of web mode (a browser page cannot show the engine machine's native dialog): folders and
// files of the engine's machine through `fs.list`, places on the left, a name field when saving.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { DirectoryListing, FileEntry } from '../../shared/contract';
import { useModel } from '../AppContext';
import type { FileDialogRequest } from '../state/ui';
import { ErrorMessage } from './ErrorMessage';
import { Modal } from './Modal';

const LAST_DIR = 'satdifuser.lastDir';

function size(n: number | null): string {
  if (n === null) return '';
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

export function FileDialog({ request, resolve }: { request: FileDialogRequest; resolve: (path: string | null) => void }) {
  const model = useModel();
  const [listing, setListing] = useState<DirectoryListing | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [selected, setSelected] = useState<FileEntry | null>(null);
  const [name, setName] = useState(request.suggestedName ?? '');
  const [typed, setTyped] = useState('');

  // Only the latest listing request may fill the dialog: on a slow engine the first listing (the last folder) can
  // answer after the user has already typed another folder, and must not send them back.
  const latest = useRef(0);
  // Set when the user edits the folder field, so that a listing answering meanwhile does not overwrite their text.
  const editing = useRef(false);
  const go = useCallback(async (path: string | null) => {
    const ticket = ++latest.current;
    editing.current = false;
    setError(null);
    try {
      const l = await model.client.call('fs.list', { path, kinds: [...request.kinds] });
      if (ticket !== latest.current) return;
      setListing(l);
      if (!editing.current) setTyped(l.path);
      setSelected(null);
      localStorage.setItem(LAST_DIR, l.path);
    } catch (e) {
      if (ticket === latest.current) setError(e);
    }
  }, [model, request.kinds]);

  useEffect(() => {
    void go(localStorage.getItem(LAST_DIR));
  }, [go]);

  const finish = (path: string | null) => {
    model.setUi({ dialog: null });
    resolve(path);
  };
  const sep = listing?.path.includes('\\') ? '\\' : '/';
  const accept = () => {
    if (request.mode === 'open') {
      if (selected && selected.kind !== 'directory') finish(selected.path);
      return;
    }
    if (!listing || !name.trim()) return;
    let file = name.trim();
    if (request.extension && !file.toLowerCase().endsWith(request.extension)) file += request.extension;
    finish(listing.path.endsWith(sep) ? listing.path + file : listing.path + sep + file);
  };

  return (
    <Modal title={request.title} onClose={() => finish(null)} wide footer={<>
      {request.mode === 'save' && <input className="save-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="File name" aria-label="File name" onKeyDown={(e) => e.key === 'Enter' && accept()} />}
      <button onClick={() => finish(null)}>Cancel</button>
      <button className="primary" onClick={accept} data-testid="file-accept" disabled={request.mode === 'open' ? !selected || selected.kind === 'directory' : !name.trim()}>{request.mode === 'open' ? 'Open' : 'Save'}</button>
    </>}>
      <div className="file-dialog" data-testid="file-dialog" data-listed={listing?.path ?? ''}>
        <ul className="places">
          {listing?.places.map((p) => <li key={p.path}><button className="link" onClick={() => void go(p.path)}>{p.label}</button></li>)}
        </ul>
        <div className="file-main">
          <div className="path-row">
            <button disabled={!listing?.parent} onClick={() => void go(listing?.parent ?? null)} aria-label="Up one folder">↑</button>
            <input value={typed} onChange={(e) => { editing.current = true; setTyped(e.target.value); }} onKeyDown={(e) => e.key === 'Enter' && void go(e.currentTarget.value)} aria-label="Folder" data-testid="file-path" />
          </div>
          {error != null && <ErrorMessage error={error} />}
          <ul className="file-list" role="listbox">
            {listing?.entries.map((f) => (
              <li key={f.path} role="option" aria-selected={selected?.path === f.path} className={`${f.kind}${selected?.path === f.path ? ' selected' : ''}`}
                onClick={() => { setSelected(f); if (f.kind !== 'directory' && request.mode === 'save') setName(f.name); }}
                onDoubleClick={() => (f.kind === 'directory' ? void go(f.path) : request.mode === 'open' ? finish(f.path) : undefined)}
                data-name={f.name}>
                <span className="fname">{f.kind === 'directory' ? '📁 ' : ''}{f.name}</span>
                <span className="fkind">{f.kind === 'directory' ? '' : f.kind}</span>
                <span className="fsize">{size(f.size)}</span>
              </li>
            ))}
            {listing && listing.entries.length === 0 && <li className="empty">No matching files here.</li>}
          </ul>
        </div>
      </div>
    </Modal>
  );
}
