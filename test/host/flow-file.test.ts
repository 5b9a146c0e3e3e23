import { beforeAll, describe, expect, test } from '@jest/globals';
import { allSteps, parseFlow, type ActionStep } from '../../tooling/host/flow-file.js';
import { loadPack, type Pack } from '../../tooling/host/pack-loader.js';
import { Redactor } from '../../tooling/host/redact.js';
import { FAKE_MANIFEST, thrown } from './helpers.js';

let pack: Pack;
beforeAll(async () => {
  pack = await loadPack(FAKE_MANIFEST);
});

const flow = (steps: unknown[], extra: Record<string, unknown> = {}) => ({ flowFormat: 1, name: 'Test flow', steps, ...extra });
const problemsOf = async (raw: unknown) => (await thrown(() => parseFlow(raw, 'test.flow.json', pack))).message;

describe('parseFlow', () => {
  test('reads action, log, append and fail steps, nested ones included', () => {
    const parsed = parseFlow(
      flow([
        { id: 'connect', action: 'make-connection', inputs: { apiKey: { $env: 'KEY' } } },
        {
          id: 'list',
          action: 'list-pages',
          inputs: { connection: { $from: 'connect.connection' }, pages: 2 },
          forEachPage: { writeRowsTo: 'out/rows.ndjson', steps: [{ id: 'each', action: 'echo', inputs: { value: { $from: 'page.index' } } }] },
          onError: [{ log: 'failed', level: 'warn', data: { message: { $from: 'error.message' } } }, { appendTo: 'out/errors.ndjson', value: { $from: 'error' } }, { fail: 'giving up' }],
        },
      ]),
      'test.flow.json',
      pack,
    );
    expect(parsed.name).toBe('Test flow');
    expect(allSteps(parsed.steps).map((s) => `${s.kind}:${s.id ?? '-'}@${s.where}`)).toEqual([
      'action:connect@steps[0]',
      'action:list@steps[1]',
      'action:each@steps[1].forEachPage.steps[0]',
      'log:-@steps[1].onError[0]',
      'append:-@steps[1].onError[1]',
      'fail:-@steps[1].onError[2]',
    ]);
    const list = parsed.steps[1] as ActionStep;
    expect(list.forEachPage?.writeRowsTo).toBe('out/rows.ndjson');
  });

  test('refuses what the flow schema does not allow, by path', async () => {
    const message = await problemsOf({ name: '', steps: [{ action: 'echo' }, { id: 'x', action: 'echo', inputs: {}, retries: 3 }, { note: 'what am I' }, { id: 'page', action: 'echo' }] });
    expect(message).toContain('test.flow.json: the flow file is invalid:');
    expect(message).toContain('- flowFormat: is required');
    expect(message).toContain('- name: must not be empty');
    expect(message).toContain('- steps[0].id: is required');
    expect(message).toContain('- steps[1].retries: is not a known property');
    expect(message).toContain('- steps[2].action: is required');
    expect(message).toContain('- steps[3].id: is not allowed here');
  });

  test('refuses unknown actions, unknown inputs and literal values the input schema refuses', async () => {
    const message = await problemsOf(
      flow([
        { id: 'a', action: 'no-such-action' },
        { id: 'b', action: 'list-pages', inputs: { connection: { $workspace: 'W' }, pages: 'three', colour: 'red' } },
        { id: 'c', action: 'echo', inputs: {} },
      ]),
    );
    expect(message).toContain('test.flow.json: the flow cannot run:');
    expect(message).toContain('- steps[0].action: "no-such-action" is not an action of Fake pack; its actions are make-connection, list-pages, echo');
    expect(message).toContain('- steps[1].inputs.pages: must be integer');
    expect(message).toContain('- steps[1].inputs.colour: is not a known property');
    expect(message).toContain('- steps[2].inputs.value: is required');
    // The connection is a reference: its value is unknown until the run, so it is not judged here.
    expect(message).not.toContain('inputs.connection');
  });

  test('checks that every $from names something that exists at that point', async () => {
    const message = await problemsOf(
      flow([
        { id: 'first', action: 'echo', inputs: { value: { $from: 'later.value' } } },
        { id: 'later', action: 'echo', inputs: { value: [{ $from: 'page.values' }, { $from: 'error.message' }, { $from: 'nobody' }] } },
        { id: 'list', action: 'list-pages', inputs: { connection: { $workspace: 'W' } }, forEachPage: { steps: [{ id: 'inner', action: 'echo', inputs: { value: { $from: 'list.items' } } }] } },
        { log: 'done', data: { inner: { $from: 'inner.value' } } },
      ]),
    );
    expect(message).toContain('- steps[0].inputs.value: refers to "later", which is not the id of an earlier action step');
    expect(message).toContain('- steps[1].inputs.value[0]: "page" is only available in the steps of a forEachPage');
    expect(message).toContain('- steps[1].inputs.value[1]: "error" is only available in onError steps');
    expect(message).toContain('- steps[1].inputs.value[2]: refers to "nobody", which is not the id of an earlier action step');
    expect(message).toContain('- steps[2].forEachPage.steps[0].inputs.value: refers to step "list" (steps[2]), whose output does not exist at this point');
    expect(message).toContain('- steps[3].data.inner: refers to step "inner" (steps[2].forEachPage.steps[0]), whose output does not exist at this point');
  });

  test('refuses duplicate ids, forEachPage on an action without that port, and $env for a workspace object input', async () => {
    const message = await problemsOf(
      flow([
        { id: 'same', action: 'echo', inputs: { value: 1 }, forEachPage: { writeRowsTo: 'x.ndjson' } },
        { id: 'same', action: 'list-pages', inputs: { connection: { $env: 'CONNECTION' } } },
      ]),
    );
    expect(message).toContain('- steps[0].forEachPage: action "echo" has no forEachPage port; its ports are continue, onError');
    expect(message).toContain('- steps[1].id: "same" is already the id of steps[0]; ids must be unique in a flow');
    expect(message).toContain('- steps[1].inputs.connection: takes a fake-connection workspace object: use {"$workspace": "<name>"} or another step\'s output, not an environment variable');
  });

  test('registers literal secret inputs and warns about them', () => {
    const redactor = new Redactor();
    const warnings: string[] = [];
    parseFlow(flow([{ id: 'connect', action: 'make-connection', inputs: { apiKey: 'good-CANARY-flow-123' } }]), 'test.flow.json', pack, { redactor, warnings });
    expect(redactor.redact('good-CANARY-flow-123')).toBe('[redacted]');
    expect(warnings).toEqual(['test.flow.json: steps[0].inputs.apiKey is a secret written into the flow file; use {"$env": "VARIABLE"}']);
  });
});
