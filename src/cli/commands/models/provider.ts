// `--provider cpu|cuda|dml|webgpu` for the backbone commands: the order handed to the runtime (the choice, then CPU
// as the reported fallback), and one stderr line per session saying what actually runs and why a requested GPU
// was not used.
import { type ProviderName, type ProviderReport, describeReport, providersFromChoice } from '../../../engine/runtime';
import type { ParsedArgs } from './args';

export const PROVIDER_USAGE = `--provider cpu|cuda|dml|webgpu   execution provider (default: $SATDIFUSER_PROVIDER, else cpu); a GPU that
                                 cannot start falls back to cpu and says why (\`satdifuser models providers\` lists this build's)`;

export interface ProviderChoice {
  readonly providers?: ProviderName[];
  readonly onProvider: (session: string, report: ProviderReport) => void;
}

export function providerOption(p: ParsedArgs, stderr: NodeJS.WritableStream & { isTTY?: boolean }): ProviderChoice {
  return providerChoice(p.flags.get('provider'), stderr);
}

/** The same for commands that parse their flags with node:util (segment, classify, demo). */
export function providerChoice(value: string | undefined, stderr: NodeJS.WritableStream & { isTTY?: boolean }): ProviderChoice {
  const providers = providersFromChoice(value);
  return {
    providers,
    onProvider(session, report) {
      // Only worth a line when a choice was made or something fell back; plain CPU runs stay quiet.
      if (!providers && report.attempts.every((a) => a.ok)) return;
      stderr.write(`${stderr.isTTY ? '\r\x1b[K' : ''}provider: ${session} ${describeReport(report)}\n`);
    },
  };
}
