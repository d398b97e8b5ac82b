// `satdifuser cache stats|clear`: what the feature cache holds (entries, size, cap, per backbone, evictions,
// dropped corrupt rows) and emptying it. `cache cap <GiB>` sets the size cap (LRU eviction beyond it).
import { InvalidArgumentError } from '../../shared/errors';
import { defaultStorePath, openStore } from '../../engine/store/store';
import type { CliCommand } from '../command';
import { parseCommandArgs } from './args';

const usage = `Usage: satdifuser cache stats [--json] [--store <file>]
       satdifuser cache clear [--backbone <id>] [--store <file>]
       satdifuser cache cap <GiB> [--store <file>]

The feature cache keeps each tile's backbone features (fp16) so a second run, a retrain or a comparison does not
recompute them. It lives in the store database (default ${defaultStorePath()}; $SATDIFUSER_STORE overrides).

Commands:
  stats            entries, stored size, cap, file size, entries per backbone, evictions, corrupt rows dropped
  clear            delete every cached feature (or only one backbone's with --backbone) and shrink the file
  cap <GiB>        set the size cap; least recently used tiles are evicted beyond it (default 8 GiB)`;

const gib = (b: number) => `${(b / 1024 ** 3).toFixed(b >= 1024 ** 3 ? 2 : 3)} GiB`;
const mib = (b: number) => (b < 1024 ** 3 ? `${(b / 1024 ** 2).toFixed(1)} MiB` : gib(b));

export const command: CliCommand = {
  name: 'cache',
  summary: 'Show or clear the feature cache (stats | clear | cap <GiB>)',
  usage,
  async run(args, ctx) {
    const { values, positionals } = parseCommandArgs(args, { json: { type: 'boolean' }, store: { type: 'string' }, backbone: { type: 'string' } }, usage);
    const [sub, arg, ...extra] = positionals;
    if (!sub || !['stats', 'clear', 'cap'].includes(sub) || extra.length > 0 || (sub !== 'cap' && arg !== undefined)) {
      throw new InvalidArgumentError(sub ? `Unknown cache command "${positionals.join(' ')}".` : 'Say what to do with the cache: stats, clear or cap.', usage);
    }
    const store = openStore(typeof values.store === 'string' ? values.store : defaultStorePath());
    try {
      if (sub === 'clear') {
        const n = store.cache.clear(typeof values.backbone === 'string' ? values.backbone : undefined);
        store.cache.vacuum();
        ctx.stdout.write(`Removed ${n} cached tile${n === 1 ? '' : 's'}${values.backbone ? ` of backbone ${values.backbone}` : ''}.\n`);
        return 0;
      }
      if (sub === 'cap') {
        const g = Number(arg);
        if (arg === undefined || !Number.isFinite(g) || g < 0) throw new InvalidArgumentError(`The cap must be a size in GiB ≥ 0, got "${arg ?? ''}".`, 'e.g. satdifuser cache cap 20');
        store.cache.setCapBytes(g * 1024 ** 3);
        const s = store.cache.stats();
        ctx.stdout.write(`Cache cap set to ${gib(s.capBytes)}; ${s.entries} tiles (${mib(s.bytes)}) kept, ${s.evicted} evicted so far.\n`);
        return 0;
      }
      const s = store.cache.stats();
      if (values.json) {
        ctx.stdout.write(JSON.stringify({ path: s.path, entries: s.entries, bytes: s.bytes, capBytes: s.capBytes, fileBytes: s.fileBytes, evicted: s.evicted, corruptDropped: s.corruptDropped, byBackbone: s.byBackbone }, null, 2) + '\n');
        return 0;
      }
      const lines = [
        `Feature cache: ${s.path}`,
        `  tiles:     ${s.entries}`,
        `  stored:    ${mib(s.bytes)} of a ${gib(s.capBytes)} cap (${s.capBytes > 0 ? ((100 * s.bytes) / s.capBytes).toFixed(1) : '—'} %)`,
        `  on disk:   ${s.fileBytes === null ? '—' : mib(s.fileBytes)}`,
        `  evicted:   ${s.evicted} (least recently used, beyond the cap)`,
        `  corrupt:   ${s.corruptDropped} row(s) dropped and recomputed`,
        ...(s.byBackbone.length ? ['  by backbone:', ...s.byBackbone.map((b) => `    ${b.backbone}: ${b.entries} tiles, ${mib(b.bytes)}`)] : []),
      ];
      ctx.stdout.write(lines.join('\n') + '\n');
      return 0;
    } finally {
      store.close();
    }
  },
};
