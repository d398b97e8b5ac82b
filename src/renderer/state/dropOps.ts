// Files dropped on the map: rasters become raster layers, vector files vector layers, a project file opens.
// On the desktop the preload gives the local path; in web mode the bytes are uploaded to the engine first
// (a shapefile's sidecar files travel in the same batch so they stay together).
import type { AppModel } from './appModel';
import { addRasterLayer, addVectorLayer } from './layerOps';
import { openProject } from './projectOps';

const kindOf = (name: string): 'raster' | 'vector' | 'project' | 'sidecar' | null => {
  const ext = name.toLowerCase().split('.').pop() ?? '';
  if (['tif', 'tiff', 'png', 'jpg', 'jpeg'].includes(ext)) return 'raster';
  if (['geojson', 'json', 'shp', 'gpkg'].includes(ext)) return 'vector';
  if (ext === 'sdfproj') return 'project';
  if (['dbf', 'prj', 'shx', 'cpg', 'qix', 'sbn', 'sbx'].includes(ext)) return 'sidecar';
  return null;
};

export async function handleDroppedFiles(model: AppModel, files: readonly File[]): Promise<void> {
  if (files.length === 0) return;
  const unknown = files.filter((f) => kindOf(f.name) === null);
  if (unknown.length) model.notify(`Not a raster, vector or project file: ${unknown.map((f) => f.name).join(', ')}`, 'error', 'Rasters: GeoTIFF, PNG, JPEG. Vectors: GeoJSON, Shapefile (drop .shp with its .dbf/.prj), GeoPackage.');
  const paths = new Map<File, string>();
  if (model.desktop) {
    for (const f of files) paths.set(f, model.desktop.pathForFile(f));
  } else if (model.client.canUpload) {
    const batch = crypto.randomUUID();
    model.notify(`Uploading ${files.length} file${files.length > 1 ? 's' : ''} to the engine…`);
    try {
      for (const f of files) if (kindOf(f.name)) paths.set(f, await model.client.upload(f, f.name, batch));
      model.setUi({ notice: null });
    } catch (e) {
      model.reportError(e);
      return;
    }
  }
  for (const f of files) {
    const path = paths.get(f);
    if (!path) continue;
    const kind = kindOf(f.name);
    if (kind === 'raster') await addRasterLayer(model, path);
    else if (kind === 'vector') await addVectorLayer(model, path);
    else if (kind === 'project') await openProject(model, path);
  }
}
