import type { CliCommand } from './command';

// Commands are loaded lazily so `satdifuser info` does not pay for onnxruntime or SQLite start-up.
export const commands: Record<string, { summary: string; load: () => Promise<CliCommand> }> = {
  serve: { summary: 'Run the app in a browser (web mode) on 127.0.0.1', load: async () => (await import('./commands/serve')).command },
};
