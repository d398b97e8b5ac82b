// The engine's event stream: one bus per engine; every transport subscribes and forwards what it hears.
import type { EngineEvent } from '../../shared/contract';

export type EngineEventListener = (event: EngineEvent) => void;

export class EventBus {
  private readonly listeners = new Set<EngineEventListener>();

  on(listener: EngineEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: EngineEvent): void {
    for (const l of [...this.listeners]) {
      try {
        l(event);
      } catch {
        // A broken subscriber (a closed socket) must not stop the others or the job that emitted.
      }
    }
  }
}
