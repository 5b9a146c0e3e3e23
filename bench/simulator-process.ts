// The benchmark's Tripletex runs in its own process, so that the 200,000 rows it serves (and
// its JSON encoding) do not count towards the memory measured in the benchmark's process.
// Protocol over the IPC channel: the parent sends { cmd }, the child answers with the result.
import { startSimulator, type SimulatorOptions } from '../simulator/index.js';

export type ChildCommand = { cmd: 'stats' } | { cmd: 'close' };

const options = JSON.parse(process.argv[2] ?? '{}') as SimulatorOptions;
const sim = await startSimulator(options);

process.on('message', (message: ChildCommand) => {
  if (message.cmd === 'stats') process.send?.({ stats: sim.stats() });
  if (message.cmd === 'close') void sim.close().then(() => process.exit(0));
});
process.on('disconnect', () => void sim.close().then(() => process.exit(0)));

process.send?.({
  ready: {
    env: sim.env,
    consumerToken: sim.tokens.production.consumerToken,
    employeeToken: sim.tokens.production.employeeTokens.employee,
  },
});
