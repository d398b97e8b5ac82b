// The application shell: menu (web mode), toolbar, layers panel, map, dock, status bar, dialogs. It wires the
// model to the engine (hello, models, events, autosave, recovery) and the menu/keyboard to the command table.
import { useEffect, useMemo, useState } from 'react';
import { AppContext, useJobs, type AppServices } from './AppContext';
import type { AppModel } from './state/appModel';
import { handleJobEvent, refreshModels } from './state/jobOps';
import { offerRecovery, startAutosave } from './state/projectOps';
import { runCommand, shortcutFor } from './commands';
import { MenuBar } from './components/MenuBar';
import { Toolbar } from './components/Toolbar';
import { LayersPanel } from './components/LayersPanel';
import { MapView } from './components/MapView';
import { Dock } from './components/Dock';
import { StatusBar } from './components/StatusBar';
import { IdentifyPanel } from './components/IdentifyPanel';
import { Dialogs } from './components/Dialogs';
import { Notice } from './components/Notice';
import { PanelBoundary } from './components/PanelBoundary';
import { CompareView } from './components/CompareView';

function useEngineBootstrap(services: AppServices): void {
  const { model } = services;
  useEffect(() => {
    const off = model.onEngineEvent((e) => handleJobEvent(model, e));
    model.client.call('engine.hello', {})
      .then((info) => model.engine.set((s) => ({ ...s, info })))
      .catch((e) => model.engine.set((s) => ({ ...s, error: e as Error })));
    void refreshModels(model);
    void offerRecovery(model);
    const stopAutosave = startAutosave(model);
    return () => {
      off();
      stopAutosave();
    };
  }, [model]);

  useEffect(() => {
    if (model.desktop) return model.desktop.onMenu((m) => runCommand(services, m));
    const onKey = (e: KeyboardEvent) => {
      const command = shortcutFor(e);
      if (!command) return;
      e.preventDefault();
      runCommand(services, { command });
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [model, services]);

  useEffect(() => {
    const sync = () => {
      const s = model.project.get();
      const title = s.path ? s.path.split(/[\\/]/).pop()! : s.content.name;
      document.title = `${s.dirty ? '• ' : ''}${title} — SatDiFuser Studio`;
      model.desktop?.setDocumentState({ title, dirty: s.dirty });
    };
    sync();
    return model.project.subscribe(sync);
  }, [model]);

  useEffect(() => {
    if (model.desktop) return;
    // Web mode: the browser asks before closing a tab with unsaved work (the autosave is there as well).
    const before = (e: BeforeUnloadEvent) => {
      if (model.project.get().dirty) e.preventDefault();
    };
    window.addEventListener('beforeunload', before);
    return () => window.removeEventListener('beforeunload', before);
  }, [model]);
}

function CompareArea({ view, onClose }: { view: { jobId: string; mode: 'side' | 'swipe'; baseLayerId: string | null }; onClose: () => void }) {
  const job = useJobs((j) => j[view.jobId]);
  const result = job?.outcome?.status === 'succeeded' && job.outcome.result.kind === 'compare' ? job.outcome.result.compare : null;
  if (!result) return null;
  return <CompareView result={result} mode={view.mode} baseLayerId={view.baseLayerId} onClose={onClose} />;
}

export function App({ model }: { model: AppModel }) {
  const services = useMemo<AppServices>(() => ({ model, map: null }), [model]);
  const [compare, setCompare] = useState<{ jobId: string; mode: 'side' | 'swipe'; baseLayerId: string | null } | null>(null);
  useEngineBootstrap(services);
  return (
    <AppContext.Provider value={services}>
      <div className={`app${model.desktop ? ' desktop' : ' web'}`}>
        {!model.desktop && <MenuBar />}
        <PanelBoundary name="Toolbar"><Toolbar /></PanelBoundary>
        <div className="workspace">
          <PanelBoundary name="Layers"><LayersPanel /></PanelBoundary>
          <main className="center">
            <PanelBoundary name="Map"><MapView /></PanelBoundary>
            <PanelBoundary name="Identify"><IdentifyPanel /></PanelBoundary>
            {compare && <PanelBoundary name="Compare view"><CompareArea view={compare} onClose={() => setCompare(null)} /></PanelBoundary>}
            <Notice />
          </main>
          <Dock onCompare={setCompare} />
        </div>
        <PanelBoundary name="Status bar"><StatusBar /></PanelBoundary>
        <Dialogs />
      </div>
    </AppContext.Provider>
  );
}
