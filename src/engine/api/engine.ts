// The Engine service: the one object that implements the shared contract over the engine modules. The CLI's
// `serve`, Electron's utility process and the tests all create it the same way; transports only carry messages.
import { homedir, platform, arch } from 'node:os';
import { dirname, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { CONTRACT_VERSION, type EngineContract, type EngineInfo, type FileKind } from '../../shared/contract';
import { analysisMethods } from './analysis';
import { LazyStore } from './engineStore';
import { HeadStore } from './headStore';
import { capabilities } from './capabilities';
import { EventBus } from './events';
import { listDirectory } from './files';
import { JobHub } from './jobHub';
import { ProjectStore } from './projects';
import { RasterRegistry } from './rasters';
import { asParams, num, obj, optIntArray, optStr, str } from './validate';
import { readVector } from './vectors';
import { providerStatusBeforeRun } from './provider';
import type { ExecutionProviderStatus } from '../../shared/contract';

export interface EngineOptions {
  readonly host: EngineInfo['host'];
  /** Where recovery files, results and caches live. */
  readonly dataDir: string;
  readonly sampleScene?: string | null;
  readonly version?: string;
  readonly homeDir?: string;
}

export interface Engine extends EngineContract {
  readonly events: EventBus;
  readonly jobs: JobHub;
  /** The file behind a raster id's served bytes (for the HTTP and custom-protocol byte servers). */
  servedFile(rasterId: string): { path: string; size: number } | null;
  dispose(): Promise<void>;
}

const fileKinds: readonly FileKind[] = ['directory', 'raster', 'vector', 'project', 'head', 'other'];

export function defaultSampleScene(): string | null {
  const p = resolve('resources/sample/L7_ETMs.tif');
  return existsSync(p) ? p : null;
}

export function createEngine(options: EngineOptions): Engine {
  const events = new EventBus();
  const jobs = new JobHub(events);
  const rasters = new RasterRegistry({ dataDir: options.dataDir, jobs });
  const projects = new ProjectStore(options.dataDir);
  const sampleScene = options.sampleScene === undefined ? defaultSampleScene() : options.sampleScene;
  const home = options.homeDir ?? homedir();
  const heads = new HeadStore(options.dataDir);
  const store = new LazyStore(options.dataDir);
  // Replaced by the report of the first session that actually runs (segmentation, training), and announced
  // with an engine.provider event.
  const provider: { current: ExecutionProviderStatus | null } = { current: null };
  const providerStatus = (): ExecutionProviderStatus => {
    try {
      return provider.current ?? providerStatusBeforeRun();
    } catch (e) {
      return { requested: [], active: null, detail: `onnxruntime is not usable: ${(e as Error).message}` };
    }
  };
  const analysis = analysisMethods({
    rasters, jobs, heads, store, dataDir: options.dataDir,
    onProvider: (status) => {
      provider.current = status;
      events.emit({ topic: 'engine.provider', status });
    },
  });

  const contract: EngineContract = {
    'engine.hello': async () => ({
      version: options.version ?? '0.1.0',
      contractVersion: CONTRACT_VERSION,
      host: options.host,
      platform: `${platform()}-${arch()}`,
      executionProvider: providerStatus(),
      capabilities: capabilities(),
      sampleScene,
      dataDir: options.dataDir,
      homeDir: home,
    }),

    'fs.list': async (raw) => {
      const p = asParams(raw, 'fs.list');
      const kinds = p.kinds == null ? null : (p.kinds as unknown[]).filter((k): k is FileKind => fileKinds.includes(k as FileKind));
      return listDirectory(optStr(p, 'path', 'fs.list'), kinds, { home, sampleDir: sampleScene ? dirname(sampleScene) : null, dataDir: options.dataDir });
    },

    'raster.open': async (raw) => rasters.open(str(asParams(raw, 'raster.open'), 'path', 'raster.open')),
    'raster.statistics': async (raw) => {
      const p = asParams(raw, 'raster.statistics');
      return rasters.statistics(str(p, 'rasterId', 'raster.statistics'), optIntArray(p, 'bands', 'raster.statistics', 65535));
    },
    'raster.identify': async (raw) => {
      const p = asParams(raw, 'raster.identify');
      return rasters.identify(str(p, 'rasterId', 'raster.identify'), num(p, 'x', 'raster.identify'), num(p, 'y', 'raster.identify'), str(p, 'crs', 'raster.identify'));
    },
    'raster.close': async (raw) => ({ closed: await rasters.close(str(asParams(raw, 'raster.close'), 'rasterId', 'raster.close')) }),

    'vector.read': async (raw) => {
      const p = asParams(raw, 'vector.read');
      return readVector(resolve(str(p, 'path', 'vector.read')), optStr(p, 'crs', 'vector.read'));
    },

    'models.list': (raw) => analysis['models.list'](raw),
    'heads.export': (raw) => { const p = asParams(raw, 'heads.export'); return analysis['heads.export']({ headId: str(p, 'headId', 'heads.export'), path: str(p, 'path', 'heads.export') }); },
    'heads.import': (raw) => analysis['heads.import']({ path: str(asParams(raw, 'heads.import'), 'path', 'heads.import') }),
    'heads.delete': (raw) => analysis['heads.delete']({ headId: str(asParams(raw, 'heads.delete'), 'headId', 'heads.delete') }),
    'segment.estimate': (raw) => { asParams(raw, 'segment.estimate'); return analysis['segment.estimate'](raw); },
    'segment.start': (raw) => { asParams(raw, 'segment.start'); return analysis['segment.start'](raw); },
    'train.estimate': (raw) => { const p = asParams(raw, 'train.estimate'); obj(p, 'labels', 'train.estimate'); return analysis['train.estimate'](raw); },
    'train.start': (raw) => { const p = asParams(raw, 'train.start'); obj(p, 'labels', 'train.start'); return analysis['train.start'](raw); },
    'compare.start': (raw) => { const p = asParams(raw, 'compare.start'); if (!Array.isArray(p.headIds)) p.headIds = []; return analysis['compare.start'](raw); },
    'export.preview': (raw) => { asParams(raw, 'export.preview'); return analysis['export.preview'](raw); },
    'export.start': (raw) => { asParams(raw, 'export.start'); return analysis['export.start'](raw); },
    'jobs.cancel': async (raw) => ({ cancelled: jobs.cancel(str(asParams(raw, 'jobs.cancel'), 'jobId', 'jobs.cancel')) }),
    'jobs.list': async () => jobs.list(),

    'project.save': async (raw) => { const p = asParams(raw, 'project.save'); return projects.save(str(p, 'path', 'project.save'), p.document); },
    'project.open': async (raw) => projects.open(str(asParams(raw, 'project.open'), 'path', 'project.open')),
    'project.autosave': async (raw) => { const p = asParams(raw, 'project.autosave'); return projects.autosave(optStr(p, 'projectPath', 'project.autosave'), p.document); },
    'project.recoveryList': async () => projects.recoveryList(),
    'project.recover': async (raw) => projects.recover(str(asParams(raw, 'project.recover'), 'key', 'project.recover')),
    'project.discardRecovery': async (raw) => ({ discarded: await projects.discardRecovery(str(asParams(raw, 'project.discardRecovery'), 'key', 'project.discardRecovery')) }),
    'project.recent': async () => projects.recent(),
  };

  return {
    ...contract,
    events,
    jobs,
    servedFile: (id) => rasters.servedFile(id),
    dispose: async () => {
      await jobs.cancelAll();
      await rasters.closeAll();
      store.close();
    },
  };
}
