import { serializeError, isSatError } from '../shared/errors';
import type { CliContext } from './command';
import { commands } from './registry';

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((n) => n.length));
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `Usage: satdifuser <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun "satdifuser <command> --help" for a command's options.\n`;
}

export async function main(argv: string[]): Promise<number> {
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write('\nCancelling… (press Ctrl+C again to quit at once)\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  const ctx: CliContext = { stdout: process.stdout, stderr: process.stderr, signal: controller.signal };
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    ctx.stdout.write(usage());
    return name ? 0 : 2;
  }
  const entry = commands[name];
  if (!entry) {
    ctx.stderr.write(`satdifuser: unknown command "${name}".\n\n${usage()}`);
    return 2;
  }
  const command = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    ctx.stdout.write(command.usage.endsWith('\n') ? command.usage : command.usage + '\n');
    return 0;
  }
  try {
    return await command.run(rest, ctx);
  } catch (e) {
    if (isSatError(e)) {
      ctx.stderr.write(`satdifuser ${name}: ${e.userMessage}\n`);
      return e.code === 'CANCELLED' ? 130 : e.code === 'INVALID_ARGUMENT' ? 2 : 1;
    }
    const s = serializeError(e);
    ctx.stderr.write(`satdifuser ${name}: unexpected error (a bug; please report it): ${s.message}\n${s.stack ?? ''}\n`);
    return 70;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
