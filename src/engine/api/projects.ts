// Projects: one JSON file saved atomically; autosave writes a recovery copy in the engine's data folder, which
// survives a crash and is offered when the project (or an untitled session) is opened again.
import { createHash } from 'node:crypto';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import type { ProjectDocument, RecoveryEntry } from '../../shared/contract';
import { FileNotFoundError, InvalidArgumentError, SatError } from '../../shared/errors';
import { writeFileAtomic } from './atomicFile';
import { PROJECT_EXTENSION } from './fileKinds';
import { checkProjectDocument, toAbsolutePaths, toStoredPaths } from './projectDocument';

const MAX_RECENT = 10;

interface RecoveryFile {
  readonly projectPath: string | null;
  readonly savedAt: string;
  readonly document: ProjectDocument;
}

export class ProjectStore {
  constructor(private readonly dataDir: string) {}

  private get recoveryDir(): string {
    return join(this.dataDir, 'recovery');
  }

  private get recentFile(): string {
    return join(this.dataDir, 'recent-projects.json');
  }

  static recoveryKey(projectPath: string | null): string {
    return createHash('sha256').update(projectPath ? resolve(projectPath) : '<untitled>').digest('hex').slice(0, 20);
  }

  async save(path: string, document: unknown): Promise<{ path: string; savedAt: string; bytes: number }> {
    const target = resolve(extname(path) ? path : path + PROJECT_EXTENSION);
    if (extname(target).toLowerCase() !== PROJECT_EXTENSION) {
      throw new InvalidArgumentError(`A project file must end in ${PROJECT_EXTENSION}: "${target}".`, `Save it as ${basename(target, extname(target))}${PROJECT_EXTENSION}.`);
    }
    const doc = checkProjectDocument(document);
    const text = JSON.stringify(toStoredPaths(doc, target), null, 2) + '\n';
    const bytes = await writeFileAtomic(target, text);
    await this.discardRecovery(ProjectStore.recoveryKey(target));
    await this.addRecent(target);
    return { path: target, savedAt: new Date().toISOString(), bytes };
  }

  async open(path: string): Promise<{ path: string; document: ProjectDocument; recovery: RecoveryEntry | null }> {
    const target = resolve(path);
    let text: string;
    let mtime: number;
    try {
      text = await readFile(target, 'utf8');
      mtime = (await stat(target)).mtimeMs;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new FileNotFoundError(target, 'project');
      throw new SatError('IO_ERROR', `The project "${target}" cannot be read.`, { cause: e });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      throw new InvalidArgumentError(`"${target}" is not a SatDiFuser project (it is not valid JSON: ${(e as Error).message}).`, 'Open a .sdfproj file saved by SatDiFuser Studio, or restore it from its autosave.');
    }
    const document = toAbsolutePaths(checkProjectDocument(parsed), target);
    const rec = await this.readRecovery(ProjectStore.recoveryKey(target));
    const recovery = rec && Date.parse(rec.savedAt) > mtime ? this.entry(ProjectStore.recoveryKey(target), rec) : null;
    await this.addRecent(target);
    return { path: target, document, recovery };
  }

  async autosave(projectPath: string | null, document: unknown): Promise<RecoveryEntry> {
    const doc = checkProjectDocument(document);
    const key = ProjectStore.recoveryKey(projectPath);
    const file: RecoveryFile = { projectPath: projectPath ? resolve(projectPath) : null, savedAt: new Date().toISOString(), document: doc };
    await writeFileAtomic(join(this.recoveryDir, `${key}.json`), JSON.stringify(file));
    return this.entry(key, file);
  }

  async recoveryList(): Promise<RecoveryEntry[]> {
    let names: string[];
    try {
      names = await readdir(this.recoveryDir);
    } catch {
      return [];
    }
    const out: RecoveryEntry[] = [];
    for (const n of names.filter((n) => n.endsWith('.json'))) {
      const key = n.slice(0, -5);
      const rec = await this.readRecovery(key);
      if (rec) out.push(this.entry(key, rec));
    }
    return out.sort((a, b) => b.savedAt.localeCompare(a.savedAt));
  }

  async recover(key: string): Promise<{ projectPath: string | null; document: ProjectDocument }> {
    if (!/^[0-9a-f]{20}$/.test(key)) throw new InvalidArgumentError(`"${key}" is not a recovery key.`);
    const rec = await this.readRecovery(key);
    if (!rec) throw new SatError('FILE_NOT_FOUND', 'That autosaved copy no longer exists.', { hint: 'It may have been discarded or replaced by a save.' });
    return { projectPath: rec.projectPath, document: rec.document };
  }

  async discardRecovery(key: string): Promise<boolean> {
    if (!/^[0-9a-f]{20}$/.test(key)) throw new InvalidArgumentError(`"${key}" is not a recovery key.`);
    const file = join(this.recoveryDir, `${key}.json`);
    try {
      await stat(file);
    } catch {
      return false;
    }
    await rm(file, { force: true });
    return true;
  }

  async recent(): Promise<string[]> {
    try {
      const list = JSON.parse(await readFile(this.recentFile, 'utf8')) as unknown;
      return Array.isArray(list) ? list.filter((p): p is string => typeof p === 'string').slice(0, MAX_RECENT) : [];
    } catch {
      return [];
    }
  }

  private async addRecent(path: string): Promise<void> {
    const list = [path, ...(await this.recent()).filter((p) => p !== path)].slice(0, MAX_RECENT);
    await writeFileAtomic(this.recentFile, JSON.stringify(list, null, 1));
  }

  private async readRecovery(key: string): Promise<RecoveryFile | null> {
    try {
      const rec = JSON.parse(await readFile(join(this.recoveryDir, `${key}.json`), 'utf8')) as RecoveryFile;
      checkProjectDocument(rec.document);
      return rec;
    } catch {
      // A damaged recovery copy is worth nothing; it must not block opening the project.
      return null;
    }
  }

  private entry(key: string, rec: RecoveryFile): RecoveryEntry {
    return { key, projectPath: rec.projectPath, name: rec.document.name, savedAt: rec.savedAt };
  }
}
