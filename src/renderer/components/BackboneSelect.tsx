// The backbone choice, shared by the Analyse and Training panels (it is a project setting).
import { useEngine, useModel, useProject, NONE } from '../AppContext';
import { setAnalysis } from '../state/actions';

export function BackboneSelect() {
  const model = useModel();
  const backboneId = useProject((s) => s.content.analysis.backboneId);
  const backbones = useEngine((s) => s.models?.backbones ?? NONE);
  const hasDefault = backbones.some((b) => b.isDefault);
  const current = backbones.find((b) => b.id === backboneId);
  return (
    <label className="field">
      <span>Backbone</span>
      <select value={backboneId ?? ''} onChange={(e) => model.perform(setAnalysis, { backboneId: e.target.value || null, headId: null })} data-testid="backbone">
        <option value="">{hasDefault ? 'Default SatDiFuser backbone' : 'Default (none installed)'}</option>
        {backbones.filter((b) => !b.isDefault).map((b) => <option key={b.id} value={b.id}>{b.name}</option>)}
      </select>
      {current && <small className="note">{current.description}</small>}
    </label>
  );
}
