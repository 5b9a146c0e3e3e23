import type { Command } from 'commander';

// Placeholder until the simulator lands; the simulator work replaces this file.
export function registerSimulatorCommand(program: Command): void {
  program.command('simulator').description('Run a local Tripletex simulator').action(() => {
    throw new Error('not built yet');
  });
}
