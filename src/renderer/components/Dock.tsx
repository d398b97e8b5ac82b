// The right-hand dock: Analyse, Labels, Training, Compare — each panel in its own error boundary.
import { useUi, useModel } from '../AppContext';
import type { DockTab } from '../state/ui';
import { AnalysePanel } from './AnalysePanel';
import { ComparePanel } from './ComparePanel';
import { LabelsPanel } from './LabelsPanel';
import { PanelBoundary } from './PanelBoundary';
import { TrainingPanel } from './TrainingPanel';

const tabs: { id: DockTab; label: string }[] = [
  { id: 'analyse', label: 'Analyse' },
  { id: 'labels', label: 'Labels' },
  { id: 'train', label: 'Training' },
  { id: 'compare', label: 'Compare' },
];

export function Dock({ onCompare }: { onCompare: Parameters<typeof ComparePanel>[0]['onShow'] }) {
  const model = useModel();
  const tab = useUi((s) => s.dock);
  return (
    <aside className="dock">
      <nav className="tabs" role="tablist">
        {tabs.map((t) => (
          <button key={t.id} role="tab" aria-selected={tab === t.id} className={tab === t.id ? 'active' : ''} data-tab={t.id} onClick={() => model.setUi({ dock: t.id })}>{t.label}</button>
        ))}
      </nav>
      <div className="dock-body">
        {tab === 'analyse' && <PanelBoundary name="Analyse"><AnalysePanel /></PanelBoundary>}
        {tab === 'labels' && <PanelBoundary name="Labels"><LabelsPanel /></PanelBoundary>}
        {tab === 'train' && <PanelBoundary name="Training"><TrainingPanel /></PanelBoundary>}
        {tab === 'compare' && <PanelBoundary name="Compare"><ComparePanel onShow={onCompare} /></PanelBoundary>}
      </div>
    </aside>
  );
}
