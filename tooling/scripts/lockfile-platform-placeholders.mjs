#!/usr/bin/env node
// Adds package-lock.json entries for platform-specific optional packages that this
// workplace's npm registry does not serve (it has the linux builds only).
//
// Why: npm 11.16+ leaves such unavailable optional packages out of the lock file it writes,
// and then `npm ci` refuses that same lock file as "out of sync" (npm/cli#9846). An entry
// with the package's version, os and cpu satisfies the check; npm ci then skips the package
// on any machine whose platform does not match, so nothing is ever fetched for it.
//
// Input: package-lock.json itself (the versions that unrs-resolver's optionalDependencies
// pin); os/cpu/libc follow from each binding's name. Run after any `npm install` that
// rewrites the lock file:  node tooling/scripts/lockfile-platform-placeholders.mjs
import { readFileSync, writeFileSync } from 'node:fs';

const LOCK = new URL('../../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(LOCK, 'utf8'));
const packages = lock.packages;

// <os>-<cpu>[-<abi>] as the binding packages name themselves.
function platformOf(suffix) {
  const [os, cpu, abi] = suffix.split('-');
  const entry = { cpu: [cpu], os: [os] };
  if (os === 'linux' && abi) entry.libc = [abi.startsWith('musl') ? 'musl' : 'glibc'];
  return entry;
}

let added = 0;
for (const meta of Object.values(packages)) {
  for (const [name, version] of Object.entries(meta.optionalDependencies ?? {})) {
    if (!name.startsWith('@unrs/resolver-binding-')) continue;
    const at = `node_modules/${name}`;
    if (packages[at]) continue;
    const suffix = name.slice('@unrs/resolver-binding-'.length);
    if (suffix.startsWith('wasm32')) continue;
    const { cpu, os, libc } = platformOf(suffix);
    packages[at] = { version, cpu, dev: meta.dev === true, ...(libc ? { libc } : {}), license: 'MIT', optional: true, os };
    added += 1;
  }
}

// Keep the keys sorted as npm writes them, so a later `npm install` makes a small diff.
const [root, ...rest] = Object.keys(packages);
lock.packages = Object.fromEntries([[root, packages[root]], ...rest.sort().map((k) => [k, packages[k]])]);
writeFileSync(LOCK, JSON.stringify(lock, null, 2) + '\n');
console.log(`package-lock.json: ${added} platform placeholder entr${added === 1 ? 'y' : 'ies'} added`);
