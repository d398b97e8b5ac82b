// Choosing how an imported vector file becomes labels: which attribute holds the class.
import { useMemo, useState } from 'react';
import type { VectorDataset } from '../../shared/contract';
import { useModel, useProject, useUi } from '../AppContext';
import { addLabels } from '../state/actions';
import { distinctValues, planLabelImport } from '../state/labelImport';
import { Modal } from './Modal';

export function ImportLabelsDialog({ dataset }: { dataset: VectorDataset }) {
  const model = useModel();
  const classes = useProject((s) => s.content.classes);
  const active = useUi((s) => s.activeClassId);
  const [field, setField] = useState<string>(dataset.fields.find((f) => /class|label|type|name/i.test(f)) ?? '');
  const plan = useMemo(() => planLabelImport(dataset.features.features, field || null, classes, active), [dataset, field, classes, active]);
  const close = () => model.setUi({ dialog: null });
  const values = field ? distinctValues(dataset.features.features, field) : [];
  return (
    <Modal title={`Import labels from ${dataset.name}`} onClose={close} footer={<>
      <button onClick={close}>Cancel</button>
      <button className="primary" disabled={!plan.labels.length} onClick={() => { model.perform(addLabels, { labels: plan.labels, classes: plan.newClasses }); close(); }}>Import {plan.labels.length} polygons</button>
    </>}>
      <p>{dataset.format}, {dataset.features.features.length} features ({dataset.geometryTypes.join(', ') || 'no geometry'}), reprojected from {dataset.sourceCrs.length > 40 ? 'its CRS' : dataset.sourceCrs} to the project CRS.</p>
      <label className="field">
        <span>Class attribute</span>
        <select value={field} onChange={(e) => setField(e.target.value)} data-testid="import-field">
          <option value="">— none: all polygons to the active class —</option>
          {dataset.fields.map((f) => <option key={f} value={f}>{f}</option>)}
        </select>
      </label>
      {field && <p className="note" data-testid="import-plan">{values.length} distinct value{values.length === 1 ? '' : 's'}: {values.slice(0, 12).join(', ')}{values.length > 12 ? '…' : ''}. {plan.newClasses.length ? `New classes: ${plan.newClasses.map((c) => c.name).join(', ')}.` : 'All match existing classes.'}</p>}
      {plan.skipped > 0 && <p className="note warning" data-testid="import-skipped">{plan.skipped} feature{plan.skipped === 1 ? ' is' : 's are'} not polygons or have no class value and will be skipped.</p>}
    </Modal>
  );
}
