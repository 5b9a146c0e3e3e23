import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { PACKAGE_ROOT } from '../../contract/package-root.js';

// The pack's layers point one way (docs/layout.md): the contract and basics at
// the bottom, the wire (client/) above them knowing nothing of sessions or credentials, the
// connection layer above the wire, the actions on top; tooling beside the pack, never imported
// by it. Imports are read with TypeScript's own pre-processor, type-only imports included.

const PACK_LAYERS = ['contract', 'client', 'connection', 'actions'] as const;
const SOURCE = /\.(ts|tsx|mts|mjs)$/;

interface Edge {
  from: string;
  to: string;
}

function sourcesUnder(folder: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules') walk(path);
      } else if (SOURCE.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(path);
    }
  };
  walk(join(PACKAGE_ROOT, folder));
  return out;
}

function importsOf(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return info.importedFiles.map((f) => f.fileName).filter((name) => name.startsWith('.'));
}

/** The repository-relative file an import names (a .js specifier names the .ts source). */
function target(from: string, specifier: string): string {
  const absolute = resolve(dirname(from), specifier.replace(/\.js$/, '.ts'));
  return relative(PACKAGE_ROOT, absolute).split(sep).join('/');
}

const files = [...PACK_LAYERS, 'tooling'].flatMap(sourcesUnder);
const edges: Edge[] = files.flatMap((file) => importsOf(file).map((specifier) => ({ from: relative(PACKAGE_ROOT, file).split(sep).join('/'), to: target(file, specifier) })));

const layerOf = (path: string): number => PACK_LAYERS.indexOf(path.split('/')[0] as (typeof PACK_LAYERS)[number]);

describe('layers that point one way', () => {
  it('reads the imports of the whole tree', () => {
    // A guard against the test silently reading nothing.
    expect(files.length).toBeGreaterThan(80);
    expect(edges.some((e) => e.from === 'actions/rest-api-request-with-paging.ts' && e.to === 'connection/connection-input.ts')).toBe(true);
  });

  it('no pack file imports a layer above its own', () => {
    const upward = edges.filter((e) => layerOf(e.from) >= 0 && layerOf(e.to) > layerOf(e.from)).map((e) => `${e.from} -> ${e.to}`);
    expect(upward).toEqual([]);
  });

  it('the pack never imports its tooling or its tests', () => {
    const outward = edges.filter((e) => layerOf(e.from) >= 0 && layerOf(e.to) < 0).map((e) => `${e.from} -> ${e.to}`);
    expect(outward).toEqual([]);
  });

  it('the tooling points one way too: simulator, host, designer, command line', () => {
    // The command line drives the designer, the designer the host, the host runs the simulator;
    // nothing imports the benchmark or the command line.
    const TOOLING = ['tooling/simulator/', 'tooling/host/', 'tooling/designer/', 'tooling/cli/'];
    const toolOf = (path: string) => TOOLING.findIndex((prefix) => path.startsWith(prefix));
    const upward = edges.filter((e) => toolOf(e.from) >= 0 && toolOf(e.to) > toolOf(e.from)).map((e) => `${e.from} -> ${e.to}`);
    expect(upward).toEqual([]);
    const intoTop = edges.filter((e) => /^tooling\/(bench|cli)\//.test(e.to) && e.to.split('/')[1] !== e.from.split('/')[1]).map((e) => `${e.from} -> ${e.to}`);
    expect(intoTop).toEqual([]);
    // A guard that the rule reads what it should: the command line's lazy imports of its commands.
    expect(edges.some((e) => e.from === 'tooling/cli/main.ts' && e.to === 'tooling/cli/commands/designer.ts')).toBe(true);
  });

  it('the wire knows nothing of sessions or credentials', () => {
    const words = /session|credential|token/i;
    const wire = files.filter((f) => relative(PACKAGE_ROOT, f).startsWith('client' + sep));
    const named = wire.filter((f) => words.test(relative(PACKAGE_ROOT, f)));
    expect(named).toEqual([]);
    for (const file of wire) expect(readFileSync(file, 'utf8')).not.toMatch(/\bsessionToken\b|\bCredentials\b|\bSessionPool\b/);
  });

  it('has no import cycles', () => {
    // Tarjan's strongly connected components over every file of the pack and its tooling.
    const graph = new Map<string, string[]>();
    for (const e of edges) graph.set(e.from, [...(graph.get(e.from) ?? []), e.to]);
    let index = 0;
    const indexOf = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const cycles: string[][] = [];
    const visit = (node: string) => {
      indexOf.set(node, index);
      low.set(node, index);
      index++;
      stack.push(node);
      onStack.add(node);
      for (const next of graph.get(node) ?? []) {
        if (!indexOf.has(next)) {
          visit(next);
          low.set(node, Math.min(low.get(node)!, low.get(next)!));
        } else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, indexOf.get(next)!));
      }
      if (low.get(node) === indexOf.get(node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== node);
        if (component.length > 1) cycles.push(component.sort());
      }
    };
    for (const node of graph.keys()) if (!indexOf.has(node)) visit(node);
    expect(cycles).toEqual([]);
  });
});
