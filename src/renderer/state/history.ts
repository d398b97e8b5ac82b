// Undo/redo over registered actions (the Excalidraw pattern): an action is a named pure function of the project
// content; performing it records the content before and after, so undo and redo are exact and cheap (the content
// is immutable and shared structurally).
import type { ProjectContent } from './project';

export interface Action<P> {
  readonly id: string;
  /** Shown in Edit → Undo "<label>". */
  readonly label: string | ((payload: P) => string);
  apply(content: ProjectContent, payload: P): ProjectContent;
}

export interface HistoryEntry {
  readonly actionId: string;
  readonly label: string;
  readonly before: ProjectContent;
  readonly after: ProjectContent;
}

export interface ProjectState {
  readonly content: ProjectContent;
  readonly past: readonly HistoryEntry[];
  readonly future: readonly HistoryEntry[];
  /** Changes since the last save or open. */
  readonly dirty: boolean;
  readonly path: string | null;
  /** Bumped on every change, for autosave. */
  readonly revision: number;
}

export const HISTORY_LIMIT = 200;

export function initialProjectState(content: ProjectContent, path: string | null = null): ProjectState {
  return { content, past: [], future: [], dirty: false, path, revision: 0 };
}

export function perform<P>(s: ProjectState, action: Action<P>, payload: P): ProjectState {
  const after = action.apply(s.content, payload);
  if (after === s.content) return s;
  const label = typeof action.label === 'function' ? action.label(payload) : action.label;
  const past = [...s.past, { actionId: action.id, label, before: s.content, after }].slice(-HISTORY_LIMIT);
  return { ...s, content: after, past, future: [], dirty: true, revision: s.revision + 1 };
}

export function undo(s: ProjectState): ProjectState {
  const entry = s.past[s.past.length - 1];
  if (!entry) return s;
  return { ...s, content: entry.before, past: s.past.slice(0, -1), future: [entry, ...s.future], dirty: true, revision: s.revision + 1 };
}

export function redo(s: ProjectState): ProjectState {
  const entry = s.future[0];
  if (!entry) return s;
  return { ...s, content: entry.after, past: [...s.past, entry], future: s.future.slice(1), dirty: true, revision: s.revision + 1 };
}
