// New / open / save / save as, autosave and crash recovery. The engine writes the file atomically; the renderer
// only decides when. Autosave runs every 30 s while there are unsaved changes; recovery copies are offered at
// start-up (crash) and when opening a project whose autosave is newer than the file.
import type { ProjectDocument } from '../../shared/contract';
import { reloadLayers } from './layerOps';
import type { AppModel } from './appModel';
import { initialProjectState } from './history';
import { emptyProject, fromDocument, toDocument } from './project';

export const AUTOSAVE_MS = 30_000;

/** The autosave interval: 30 s, or the user's preference (localStorage "satdifuser.autosaveSeconds", ≥ 2 s). */
export function autosaveInterval(): number {
  const v = Number(globalThis.localStorage?.getItem('satdifuser.autosaveSeconds'));
  return Number.isFinite(v) && v >= 2 ? v * 1000 : AUTOSAVE_MS;
}

export function currentDocument(model: AppModel): ProjectDocument {
  return toDocument(model.project.get().content, model.viewState());
}

function confirmDiscard(model: AppModel): boolean {
  const s = model.project.get();
  if (!s.dirty) return true;
  return window.confirm(`"${s.content.name}" has unsaved changes. Discard them?`);
}

async function closeRasters(model: AppModel): Promise<void> {
  const ids = Object.values(model.runtime.get()).map((r) => r.raster?.rasterId).filter((x): x is string => !!x);
  model.runtime.set(() => ({}));
  await Promise.all(ids.map((rasterId) => model.client.call('raster.close', { rasterId }).catch(() => undefined)));
}

export async function newProject(model: AppModel): Promise<void> {
  if (!confirmDiscard(model)) return;
  await closeRasters(model);
  model.project.set(() => initialProjectState(emptyProject()));
  model.setUi({ selectedLayerId: null, selectedLabelIds: [], identify: null, measure: null });
}

export async function loadDocument(model: AppModel, document: ProjectDocument, path: string | null, dirty = false): Promise<void> {
  await closeRasters(model);
  model.project.set(() => ({ ...initialProjectState(fromDocument(document), path), dirty }));
  model.setUi({ selectedLayerId: null, selectedLabelIds: [], identify: null, measure: null });
  model.pendingView = document.view;
  await reloadLayers(model);
}

export async function openProject(model: AppModel, path?: string): Promise<void> {
  if (!confirmDiscard(model)) return;
  const chosen = path ?? (await model.chooseFile({ mode: 'open', title: 'Open project', kinds: ['project'] }));
  if (!chosen) return;
  try {
    const res = await model.client.call('project.open', { path: chosen });
    if (res.recovery && window.confirm(`An autosaved copy of "${res.document.name}" from ${new Date(res.recovery.savedAt).toLocaleString()} is newer than the file. Open the autosaved copy?`)) {
      const rec = await model.client.call('project.recover', { key: res.recovery.key });
      await loadDocument(model, rec.document, res.path, true);
      return;
    }
    await loadDocument(model, res.document, res.path);
  } catch (e) {
    model.reportError(e, 'Opening the project');
  }
}

export async function saveProjectAs(model: AppModel): Promise<boolean> {
  const s = model.project.get();
  const path = await model.chooseFile({ mode: 'save', title: 'Save project as', kinds: ['project'], extension: '.sdfproj', suggestedName: `${s.content.name}.sdfproj` });
  if (!path) return false;
  return saveProjectTo(model, path);
}

export async function saveProject(model: AppModel): Promise<boolean> {
  const s = model.project.get();
  return s.path ? saveProjectTo(model, s.path) : saveProjectAs(model);
}

async function saveProjectTo(model: AppModel, path: string): Promise<boolean> {
  const revision = model.project.get().revision;
  try {
    const res = await model.client.call('project.save', { path, document: currentDocument(model) });
    // Edits made while the save was in flight keep the project dirty.
    model.project.set((s) => ({ ...s, path: res.path, dirty: s.revision !== revision }));
    model.notify(`Saved ${res.path}`);
    return true;
  } catch (e) {
    model.reportError(e, 'Saving the project');
    return false;
  }
}

/** Starts autosave; returns a stop function. */
export function startAutosave(model: AppModel, intervalMs = autosaveInterval()): () => void {
  let savedRevision = -1;
  const timer = setInterval(() => {
    const s = model.project.get();
    if (!s.dirty || s.revision === savedRevision) return;
    savedRevision = s.revision;
    model.client.call('project.autosave', { projectPath: s.path, document: currentDocument(model) }).catch(() => {
      savedRevision = -1; // try again next time
    });
  }, intervalMs);
  return () => clearInterval(timer);
}

export async function offerRecovery(model: AppModel): Promise<void> {
  try {
    const entries = await model.client.call('project.recoveryList', {});
    if (entries.length) model.setUi({ dialog: { kind: 'recovery', entries } });
  } catch {
    // No recovery offered is better than a start-up error.
  }
}

export async function recover(model: AppModel, key: string): Promise<void> {
  try {
    const rec = await model.client.call('project.recover', { key });
    await loadDocument(model, rec.document, rec.projectPath, true);
    await model.client.call('project.discardRecovery', { key });
  } catch (e) {
    model.reportError(e, 'Recovering the project');
  }
}
