// Preloaded by `npm test` (node --require) into jest and, through execArgv, into its workers.
// Jest runs the suite as native ES modules, which needs --experimental-vm-modules on Node 20;
// every process started with that flag prints "ExperimentalWarning: VM Modules is an
// experimental feature" once, which says nothing about this project. That one warning is
// dropped; every other warning reaches Node's own handler and is printed as usual.
// (`--disable-warning=ExperimentalWarning` does this on Node 21 and later, not on 20.)
'use strict';

const handlers = process.listeners('warning');
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning && warning.name === 'ExperimentalWarning' && /^VM Modules\b/.test(String(warning.message))) return;
  for (const handler of handlers) handler.call(process, warning);
});
