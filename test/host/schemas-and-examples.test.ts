import { beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validatorFor } from '../../contract/validation.js';
import { allSteps, loadFlowFile } from '../../tooling/host/flow-file.js';
import { loadPack, type Pack } from '../../tooling/host/pack-loader.js';
import { DEFAULT_MANIFEST, EXAMPLES_DIR, HOST_ROOT } from '../../tooling/host/paths.js';
import { Redactor } from '../../tooling/host/redact.js';
import { loadWorkspace } from '../../tooling/host/workspace-file.js';

// The host's schemas live beside the pack's, so the pack's own strict validator must accept
// them; and every example in examples/ must be valid for the real pack.

const DOCS_DIR = join(HOST_ROOT, 'docs');
let pack: Pack;
beforeAll(async () => {
  pack = await loadPack(DEFAULT_MANIFEST);
});

describe('schemas/flow.schema.json and schemas/workspace.schema.json', () => {
  test("compile in the pack's strict validator", () => {
    expect(typeof validatorFor('flow.schema.json')).toBe('function');
    expect(typeof validatorFor('workspace.schema.json')).toBe('function');
  });

  test('accept the three reference forms and refuse malformed ones', () => {
    const validate = validatorFor('flow.schema.json');
    const flow = (value: unknown) => ({ flowFormat: 1, name: 'x', steps: [{ id: 'a', action: 'echo', inputs: { value } }] });
    expect(validate(flow({ $env: 'A_B' }))).toBe(true);
    expect(validate(flow({ $workspace: 'Demo company' }))).toBe(true);
    expect(validate(flow({ $from: 'step.values.0.id' }))).toBe(true);
    expect(validate(flow({ nested: [{ $from: 'page.values' }] }))).toBe(true);
    expect(validate(flow({ $env: 'A', extra: 1 }))).toBe(false);
    expect(validate(flow({ $from: 5 }))).toBe(false);
    expect(validate(flow({ $from: 'a..b' }))).toBe(false);
    expect(validate(flow({ $env: '1BAD' }))).toBe(false);
  });
});

describe('examples/', () => {
  test('the demo workspace is valid for the real pack and keeps every token in the environment', async () => {
    const workspace = await loadWorkspace(join(EXAMPLES_DIR, 'demo.workspace.json'), pack, new Redactor());
    expect(workspace.entries.map((e) => e.type)).toEqual(['tripletex-connection', 'tripletex-connection', 'tripletex-connection', 'tripletex-connection']);
    expect(workspace.warnings).toEqual([]);
    for (const entry of workspace.entries) {
      // One name per connection: the one the dropdown, --connection and the logs all show.
      expect(entry.properties.name).toBe(entry.name);
      expect(entry.properties.consumerToken).toEqual({ $env: expect.any(String) });
      expect(entry.properties.employeeToken).toEqual({ $env: expect.any(String) });
    }
  });

  test('no example or doc gives a connection a second name beside properties.name', () => {
    const raw = JSON.parse(readFileSync(join(EXAMPLES_DIR, 'demo.workspace.json'), 'utf8')) as { objects: Record<string, unknown>[] };
    for (const object of raw.objects) expect(object).not.toHaveProperty('name');
    for (const doc of readdirSync(DOCS_DIR).filter((f) => f.endsWith('.md'))) {
      expect({ doc, twoNames: /"type": "tripletex-connection",\s*"name"/.test(readFileSync(join(DOCS_DIR, doc), 'utf8')) }).toEqual({ doc, twoNames: false });
    }
  });

  test('an empty Default Company Id ("", as a panel sends it) is accepted in a workspace file', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ws-')), 'w.json');
    writeFileSync(file, JSON.stringify({ objects: [{ type: 'tripletex-connection', properties: { name: 'Panel', consumerToken: { $env: 'C' }, employeeToken: { $env: 'E' }, defaultCompanyId: '' } }] }));
    const workspace = await loadWorkspace(file, pack, new Redactor());
    const resolved = workspace.resolve('Panel', { env: { C: 'consumer-token-1234', E: 'employee-token-1234' }, redactor: new Redactor() });
    expect(resolved.properties).not.toHaveProperty('defaultCompanyId');
  });

  const flows = readdirSync(join(EXAMPLES_DIR, 'flows')).filter((f) => f.endsWith('.flow.json'));
  test('there are example flows', () => {
    expect(flows.length).toBeGreaterThanOrEqual(4);
  });
  test.each(flows)('%s is a valid flow for the real pack', async (file) => {
    const warnings: string[] = [];
    const flow = await loadFlowFile(join(EXAMPLES_DIR, 'flows', file), pack, { warnings });
    expect(warnings).toEqual([]);
    for (const step of allSteps(flow.steps)) if (step.kind === 'action') expect(pack.actions.has(step.action)).toBe(true);
  });
});
