// React access to the app model and its stores.
import { createContext, useContext } from 'react';
import type { AppModel } from './state/appModel';
import type { ProjectState } from './state/history';
import { useStore } from './state/store';
import type { CursorState, EngineState, JobView, LayerRuntime, UiState } from './state/ui';
import type { MapController } from './map/mapController';

export interface AppServices {
  readonly model: AppModel;
  /** Set once the map exists (commands that zoom need it). */
  map: MapController | null;
}

export const AppContext = createContext<AppServices | null>(null);

export function useServices(): AppServices {
  const s = useContext(AppContext);
  if (!s) throw new Error('useServices outside <AppContext>');
  return s;
}

export const useModel = () => useServices().model;
export const useProject = <T,>(sel: (s: ProjectState) => T) => useStore(useModel().project, sel);
export const useUi = <T,>(sel: (s: UiState) => T) => useStore(useModel().ui, sel);
export const useRuntime = <T,>(sel: (s: Readonly<Record<string, LayerRuntime>>) => T) => useStore(useModel().runtime, sel);
export const useCursor = <T,>(sel: (s: CursorState) => T) => useStore(useModel().cursor, sel);
export const useJobs = <T,>(sel: (s: Readonly<Record<string, JobView>>) => T) => useStore(useModel().jobs, sel);
export const useEngine = <T,>(sel: (s: EngineState) => T) => useStore(useModel().engine, sel);

/** A stable empty list for selectors (a fresh [] per call would make useSyncExternalStore loop). */
export const NONE: readonly never[] = Object.freeze([]);
