// Identify results: the pixel's values per band, read from the file by the engine.
import { useModel, useUi } from '../AppContext';
import { ErrorMessage } from './ErrorMessage';

export function IdentifyPanel() {
  const model = useModel();
  const identify = useUi((s) => s.identify);
  const tool = useUi((s) => s.tool);
  if (tool !== 'identify' && !identify) return null;
  return (
    <section className="floating identify-panel" aria-label="Identify results" data-testid="identify">
      <header className="panel-header">
        Identify {identify?.layerName ? `— ${identify.layerName}` : ''}
        <button className="icon" aria-label="Close" onClick={() => model.setUi({ identify: null, tool: tool === 'identify' ? 'pan' : tool })}>×</button>
      </header>
      {!identify && <p className="empty">Click the map to read pixel values.</p>}
      {identify?.error && <ErrorMessage error={identify.error} />}
      {identify?.result && !identify.result.inside && <p className="empty">Outside the raster.</p>}
      {identify?.result?.inside && (
        <table className="kv">
          <tbody>
            <tr><th>Pixel (col, row)</th><td>{identify.result.pixel!.col}, {identify.result.pixel!.row}</td></tr>
            {identify.result.values.map((v, i) => (
              <tr key={i}><th>{identify.result!.bandNames[i]}</th><td>{v === null ? <i>nodata</i> : Number.isInteger(v) ? v : v.toPrecision(6)}</td></tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
