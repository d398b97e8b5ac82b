// Small line icons for the toolbar (24×24 viewBox strokes), so the app needs no icon font or remote asset.
const paths: Record<string, string> = {
  pan: 'M12 3v18M3 12h18M12 3l-3 3M12 3l3 3M12 21l-3-3M12 21l3-3M3 12l3-3M3 12l3 3M21 12l-3-3M21 12l-3 3',
  rect: 'M4 6h16v12H4z',
  polygon: 'M5 18L3 9l8-6 9 5-3 10z',
  identify: 'M12 3a9 9 0 100 18 9 9 0 000-18zM12 10v7M12 7v.5',
  ruler: 'M3 17L17 3l4 4L7 21zM7 13l2 2M10 10l2 2M13 7l2 2',
  area: 'M4 20V8l6-4 10 4v12zM4 14h16M10 4v16',
  pencil: 'M4 20l4-1 11-11-3-3L5 16zM14 6l3 3',
  edit: 'M4 4l7 16 2-7 7-2z',
  zoomIn: 'M10 4a6 6 0 100 12 6 6 0 000-12zM20 20l-5.5-5.5M10 7v6M7 10h6',
  zoomOut: 'M10 4a6 6 0 100 12 6 6 0 000-12zM20 20l-5.5-5.5M7 10h6',
  full: 'M4 9V4h5M20 9V4h-5M4 15v5h5M20 15v5h-5',
  raster: 'M4 4h16v16H4zM4 12h16M12 4v16',
  vector: 'M6 18l6-12 6 12zM6 18a1 1 0 100 .1M12 6a1 1 0 100 .1',
  undo: 'M9 7L4 12l5 5M4 12h10a6 6 0 010 12',
  redo: 'M15 7l5 5-5 5M20 12H10a6 6 0 000 12',
  save: 'M5 4h11l3 3v13H5zM8 4v5h7V4M8 20v-6h8v6',
  open: 'M3 7h7l2 2h9v10H3z',
  trash: 'M5 7h14M9 7V4h6v3M7 7l1 13h8l1-13',
  up: 'M12 5l-6 7h12z',
  down: 'M12 19l-6-7h12z',
  eye: 'M2 12s4-7 10-7 10 7 10 7-4 7-10 7S2 12 2 12zM12 9a3 3 0 100 6 3 3 0 000-6z',
  target: 'M12 3v4M12 17v4M3 12h4M17 12h4M12 8a4 4 0 100 8 4 4 0 000-8z',
  style: 'M4 20c4 0 4-4 8-4s4 4 8 4M12 4a4 4 0 100 8 4 4 0 000-8z',
};

export function Icon({ name, size = 18 }: { name: keyof typeof paths | string; size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={1.7} strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
      <path d={paths[name] ?? ''} />
    </svg>
  );
}
