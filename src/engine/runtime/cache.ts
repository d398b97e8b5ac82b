// Sessions are expensive to create (graph optimisation, weight prepacking) and hold native memory, so the
// engine keeps them by key (model identity + options), shares them between users, and releases the least
// recently used idle ones when there are more than `maxIdle`.
import { Session, type SessionOptions } from './session';

interface Entry {
  session: Promise<Session>;
  refs: number;
  lastUsed: number;
}

export class SessionCache {
  private readonly entries = new Map<string, Entry>();
  private clock = 0;

  constructor(private readonly maxIdle = 4) {}

  /**
   * The session for `key`, created by `create` (or from `model` + `options`) on first use. Every acquire must be
   * paired with release(key); the session stays cached while referenced.
   */
  async acquire(key: string, create: () => Promise<Session>): Promise<Session> {
    let e = this.entries.get(key);
    if (!e) {
      e = { session: create(), refs: 0, lastUsed: 0 };
      this.entries.set(key, e);
      e.session.catch(() => this.entries.delete(key));
    }
    e.refs++;
    e.lastUsed = ++this.clock;
    try {
      return await e.session;
    } catch (err) {
      e.refs--;
      throw err;
    }
  }

  acquireModel(key: string, model: Uint8Array | string, options?: SessionOptions): Promise<Session> {
    return this.acquire(key, () => Session.create(model, options));
  }

  async release(key: string): Promise<void> {
    const e = this.entries.get(key);
    if (!e) return;
    e.refs = Math.max(0, e.refs - 1);
    await this.evict();
  }

  get size(): number {
    return this.entries.size;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  private async evict(): Promise<void> {
    const idle = [...this.entries].filter(([, e]) => e.refs === 0).sort((a, b) => a[1].lastUsed - b[1].lastUsed);
    while (idle.length > this.maxIdle) {
      const [key, e] = idle.shift()!;
      this.entries.delete(key);
      await (await e.session).release();
    }
  }

  /** Releases every session, referenced or not (shutdown). */
  async clear(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(all.map(async (e) => (await e.session.catch(() => undefined))?.release()));
  }
}
