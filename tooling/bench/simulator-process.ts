// The benchmark's Tripletex, run as a child of tooling/bench/run.ts.
//
// Why a child process: the simulator seeds every customer in memory and serialises each page
// it serves. In the benchmark's own process that would dwarf (and blur) the memory the action
// needs while streaming, so the server lives here and only HTTP crosses over.
//
// Why this script rather than `flow-tripletex simulator`: the benchmark needs the simulator's
// counters (requests, 429s) before and after each pass, which the CLI has no way to hand out,
// and parsing tokens out of its human-oriented banner would break whenever the wording changes.
// An IPC channel gives both, typed.
import { startSimulator, type SimulatorOptions, type SimulatorStats } from '../simulator/index.js';

export interface Ready {
  env: { TRIPLETEX_PRODUCTION_URL: string; TRIPLETEX_TEST_URL: string };
  consumerToken: string;
  employeeToken: string;
}

export type ToChild = { cmd: 'stats' } | { cmd: 'close' };
export type FromChild = { ready: Ready } | { stats: SimulatorStats } | { failed: string };

const reply = (message: FromChild) => process.send?.(message);

try {
  const options = JSON.parse(process.argv[2] ?? '{}') as SimulatorOptions;
  const sim = await startSimulator(options);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    sim.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('message', (message: ToChild) => {
    if (message.cmd === 'stats') reply({ stats: sim.stats() });
    else if (message.cmd === 'close') stop();
  });
  // A parent that dies without saying goodbye must not leave a server behind.
  process.on('disconnect', stop);
  reply({
    ready: {
      env: sim.env,
      consumerToken: sim.tokens.production.consumerToken,
      employeeToken: sim.tokens.production.employeeTokens.employee,
    },
  });
} catch (error) {
  reply({ failed: error instanceof Error ? error.message : String(error) });
  process.exit(1);
}
