// The map: hosts the OpenLayers map (through MapController), takes dropped files, and explains what to do when
// the project is empty.
import { useEffect, useRef, useState } from 'react';
import 'ol/ol.css';
import { useEngine, useProject, useServices, useUi } from '../AppContext';
import { MapController } from '../map/mapController';
import { runCommand } from '../commands';
import { handleDroppedFiles } from '../state/dropOps';

const toolHints: Record<string, string> = {
  aoiRect: 'Drag a rectangle to set the analysis area.',
  aoiPolygon: 'Click to add vertices; double-click to finish the analysis area.',
  identify: 'Click a pixel to read its values.',
  measureLength: 'Click to add points; double-click to finish.',
  measureArea: 'Click to add vertices; double-click to finish.',
  labelDraw: 'Click to add vertices; double-click to finish the label polygon.',
  labelEdit: 'Click a label to select it; drag its vertices to edit; Delete removes it.',
};

export function MapView() {
  const services = useServices();
  const ref = useRef<HTMLDivElement>(null);
  const [dragging, setDragging] = useState(false);
  const empty = useProject((s) => s.content.layers.length === 0);
  const sample = useEngine((s) => s.info?.sampleScene);
  const tool = useUi((s) => s.tool);

  useEffect(() => {
    const controller = new MapController(ref.current!, services.model);
    services.map = controller;
    (window as unknown as { __sdfMap?: MapController }).__sdfMap = controller;
    return () => {
      controller.dispose();
      services.map = null;
    };
  }, [services]);

  return (
    <div
      className={`map-wrap${dragging ? ' dragging' : ''}`}
      onDragOver={(e) => { e.preventDefault(); setDragging(true); }}
      onDragLeave={() => setDragging(false)}
      onDrop={(e) => {
        e.preventDefault();
        setDragging(false);
        void handleDroppedFiles(services.model, [...e.dataTransfer.files]);
      }}
    >
      <div className="map" ref={ref} data-testid="map" />
      {toolHints[tool] && <div className="tool-hint" data-testid="tool-hint">{toolHints[tool]}</div>}
      {empty && (
        <div className="map-empty">
          <h2>Start with imagery</h2>
          <p>Drop a GeoTIFF here, or use <b>Layer → Add Raster Layer</b>.</p>
          <div className="buttons">
            <button onClick={() => runCommand(services, { command: 'layer.addRaster' })}>Add raster layer…</button>
            {sample && <button className="primary" data-testid="add-sample" onClick={() => runCommand(services, { command: 'layer.addSample' })}>Open the sample scene (Landsat 7, Olinda)</button>}
            <button onClick={() => runCommand(services, { command: 'project.open' })}>Open project…</button>
          </div>
        </div>
      )}
      {dragging && <div className="drop-hint">Drop rasters, vectors or a project file</div>}
    </div>
  );
}
