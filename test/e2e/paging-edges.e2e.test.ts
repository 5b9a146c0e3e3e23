import { run } from '../../actions/rest-api-request-with-paging.js';
import type { RunningSimulator } from '../../tooling/simulator/index.js';
import { freshProcessState, recordingContext, startE2eSimulator } from './support.js';

// Legitimate data that looks repetitive must not end a run early: with `fields` that leave out
// `id`, consecutive pages of customers can be identical and still be different customers.

const CUSTOMERS = 4321;

describe('paging legitimate look-alike pages against the simulator', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startE2eSimulator({ size: CUSTOMERS });
  });
  afterAll(async () => {
    await sim.close();
  });
  beforeEach(() => freshProcessState());

  const connection = () => ({ name: 'E2E', consumerToken: sim.tokens.production.consumerToken, employeeToken: sim.tokens.production.employeeTokens.employee });

  it.each(['isCustomer', 'isSupplier,isCustomer,supplierNumber'])('delivers every row with fields=%s, where pages repeat in content', async (fields) => {
    const ctx = recordingContext();
    const summary = await run({ connection: connection(), path: '/customer', fields, itemsPerPage: 100 }, ctx);
    expect(summary).toMatchObject({ items: CUSTOMERS, stopReason: 'end-of-results', stoppedEarly: false, nextIndex: CUSTOMERS, warnings: [] });
    // The content really does repeat: the guard would have stopped on it.
    const first = JSON.stringify((ctx.pages[0] as { values: unknown[] }).values);
    expect((ctx.pages as { values: unknown[] }[]).slice(1).some((page) => JSON.stringify(page.values) === first)).toBe(true);
  });
});
