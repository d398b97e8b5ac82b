import type { CliCommand } from './command';

// Commands are loaded lazily so `satdifuser info` does not pay for onnxruntime or SQLite start-up.
export const commands: Record<string, { summary: string; load: () => Promise<CliCommand> }> = {
};
