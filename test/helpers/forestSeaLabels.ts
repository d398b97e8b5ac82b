// Six training labels on the bundled sample scene, in its CRS (EPSG:31985): three squares of forest (class 1, top
// left of the scene) and three of sea (class 2, bottom right). Shared by the app's training tests and the
// training-estimate benchmark, so both measure the same run.
export const square = (x: number, y: number, d: number) => ({ type: 'Polygon' as const, coordinates: [[[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]] as [number, number][]] });

export const forestSeaLabels = {
  crs: 'EPSG:31985',
  features: [
    { id: 'f1', classId: 1, geometry: square(289300, 9119300, 700) }, { id: 'f2', classId: 1, geometry: square(290800, 9119700, 600) }, { id: 'f3', classId: 1, geometry: square(289200, 9116000, 500) },
    { id: 's1', classId: 2, geometry: square(297300, 9111300, 700) }, { id: 's2', classId: 2, geometry: square(297700, 9113500, 500) }, { id: 's3', classId: 2, geometry: square(296200, 9110900, 400) },
  ],
};
