#!/usr/bin/env node
// The reference host's entry point: `flow-tripletex <command>`. Each command lives in
// tooling/cli/commands/ and registers itself on the program; the host's parts it drives (flow
// runner, pack loader, files) are in tooling/host/, the designer and simulator beside them.
import { setFlagsFromString } from 'node:v8';
import { Command, CommanderError } from 'commander';
import { secrets } from '../host/redact.js';
import { manifestArgument, versionText } from '../host/version.js';

// A run's pages are short-lived: what the in-order delivery keeps alive is a few pages, yet
// with V8's defaults the heap grows to 200 MB and more of garbage before a full collection
// (docs/performance.md, memory). Tripletex's rate limit, not the CPU, sets a run's pace, so the
// CLI asks V8 to favour memory, at the cost of some CPU when nothing limits the pace:
// collections that keep the heap small, and a young generation that stays at its first size
// (1 MB) instead of doubling up to 16 MB twice over while pages stream through it. Both flags
// are read whenever V8 decides, so setting them at run time works; no heap ceiling is set, so
// an answer up to maxResponseMegabytes still fits.
setFlagsFromString('--optimize-for-size');
setFlagsFromString('--semi-space-growth-factor=1');

const program = new Command();
program
  .name('flow-tripletex')
  .description('Reference host for the flow-tripletex pack: run its connection test and actions, flow files, a local Tripletex simulator, and the designer page.')
  .version(versionText(manifestArgument(process.argv.slice(2))), '-V, --version', 'print the tool\'s version and the pack it loads (with --manifest <file>, that pack)')
  .showHelpAfterError('(add --help for usage)')
  .configureOutput({
    // "--consumer-token=<value>" is an unknown option whose text holds a value: never echo it.
    outputError: (text, write) => write(secrets.redact(text.replace(/(unknown option '--?[^'=\s]+)=[^']*'/g, "$1=…'"))),
  })
  .exitOverride()
  .addHelpText(
    'after',
    `
Start here:
  $ npm start                                  # the demo: a local Tripletex simulator and the example flows
  $ flow-tripletex simulator                   # a simulator of your own; it prints the variables to export
  $ flow-tripletex <command> --help            # each command's flags, with examples

Docs: docs/cli.md (this tool), docs/real-tripletex.md (your own Tripletex account).
`,
  );

// Each command's module brings what it needs: the simulator's data, the designer's server. A
// `request` that loaded them all would start some 12 MB larger, so only the command named on
// the command line is loaded; help, an unknown name or none load every one, in this order.
const COMMANDS: Record<string, () => Promise<(program: Command) => void>> = {
  'test-connection': async () => (await import('./commands/test-connection.js')).registerTestConnectionCommand,
  request: async () => (await import('./commands/request.js')).registerRequestCommand,
  run: async () => (await import('./commands/run.js')).registerRunCommand,
  demo: async () => (await import('./commands/demo.js')).registerDemoCommand,
  simulator: async () => (await import('./commands/simulator.js')).registerSimulatorCommand,
  designer: async () => (await import('./commands/designer.js')).registerDesignerCommand,
};
const named = process.argv.slice(2).find((arg) => !arg.startsWith('-'));
for (const name of named !== undefined && Object.hasOwn(COMMANDS, named) ? [named] : Object.keys(COMMANDS)) (await COMMANDS[name]!())(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Help and version exit 0; every usage error (unknown flag, bad value, missing argument) exits 2.
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else {
    process.stderr.write(secrets.redact(`flow-tripletex: ${error instanceof Error ? error.message : String(error)}`) + '\n');
    const code = (error as { exitCode?: unknown } | undefined)?.exitCode;
    process.exitCode = typeof code === 'number' ? code : 1;
  }
}

