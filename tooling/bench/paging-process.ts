// One of several processes paging on the same token pair (the processes scenario): loads the
// pack, says it is ready, and on "go" runs REST API Request with paging once and reports what it
// did. A real process each, so that nothing is shared but the server's counters, as with
// several integrations (or machines) on one token pair.
import { run as requestWithPaging, type PagingSummary } from '../../actions/rest-api-request-with-paging.js';
import { pagingContext } from './action-pass.js';
import { RowCheck } from './rows.js';

export interface PagingJob {
  env: Record<string, string>;
  connection: { name: string; consumerToken: string; employeeToken: string };
  inputs: Record<string, unknown>;
  expectedRows: number;
}

export type ToPagingProcess = { cmd: 'go' };
export type FromPagingProcess = { ready: true } | { done: { summary: PagingSummary; problem?: string; startedAt: number; endedAt: number } } | { failed: string };

const reply = (message: FromPagingProcess) => process.send?.(message);

try {
  const job = JSON.parse(process.argv[2] ?? '{}') as PagingJob;
  Object.assign(process.env, job.env);
  process.once('message', (message: ToPagingProcess) => {
    if (message.cmd !== 'go') return;
    const rows = new RowCheck();
    const startedAt = Date.now();
    requestWithPaging({ connection: job.connection, ...job.inputs }, pagingContext((values) => rows.add(values))).then(
      (summary) => {
        const problem = rows.problem(job.expectedRows);
        reply({ done: { summary, ...(problem ? { problem } : {}), startedAt, endedAt: Date.now() } });
        process.disconnect();
      },
      (error: unknown) => {
        reply({ failed: error instanceof Error ? error.message : String(error) });
        process.disconnect();
      },
    );
  });
  reply({ ready: true });
} catch (error) {
  reply({ failed: error instanceof Error ? error.message : String(error) });
  process.exit(1);
}
