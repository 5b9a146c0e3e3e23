#!/usr/bin/env node
// The reference host's entry point: `flow-tripletex <command>`. Each command lives in
// host/commands/ and registers itself on the program.
import { Command, CommanderError } from 'commander';
import { registerSimulatorCommand } from './commands/simulator.js';

const program = new Command();
program
  .name('flow-tripletex')
  .description('Reference host for the flow-tripletex pack: run its connection test and actions, flow files, and a local Tripletex simulator.')
  .showHelpAfterError('(add --help for usage)')
  .exitOverride();

registerSimulatorCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Help and version exit 0; every usage error (unknown flag, bad value, missing argument) exits 2.
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else {
    process.stderr.write(`flow-tripletex: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
