#!/usr/bin/env node
// Copies the data files the pack's modules read beside themselves into dist/, where tsc puts
// the compiled modules but not the data: client/tripletex-endpoints.json (Tripletex's endpoint
// facts, see client/endpoint-facts.ts) and client/tripletex-endpoint-catalog.json (summaries,
// query parameters and row fields, see client/endpoint-catalog.ts). Run by `npm run build`.
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DATA = ['client/tripletex-endpoints.json', 'client/tripletex-endpoint-catalog.json'];

for (const file of DATA) {
  const target = join(root, 'dist', file);
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(join(root, file), target);
}
