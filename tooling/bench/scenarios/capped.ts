// An endpoint that serves at most 50 rows a page whatever `count` asks for (Tripletex has one),
// asked for 1000 a page: every row must arrive, and the summary must say why paging went on.
import { actionPass } from '../action-pass.js';
import type { Check, Scenario } from '../report.js';
import { RowCheck } from '../rows.js';
import { SimulatorChild } from '../simulator-child.js';

const ROWS = 730;
const CAP = 50;

export const capped: Scenario = {
  name: 'capped',
  summary: `${ROWS} customers on a list capped at ${CAP} a page, with an exact fullResultSize, asked for 1000 a page: every row, and a warning`,
  async run({ log }) {
    const sim = await SimulatorChild.start({ simulator: { size: ROWS, latencyMs: 20, lists: { '/customer': { cap: CAP, fullResultSize: 'exact' } } } });
    try {
      Object.assign(process.env, sim.env);
      const rows = new RowCheck();
      const pass = await actionPass(sim, { path: '/customer', sorting: 'id', itemsPerPage: 1000 }, (values) => rows.add(values));
      const problem = rows.problem(ROWS);
      const warning = pass.summary.warnings.find((w) => /serves at most/.test(w));
      const checks: Check[] = [
        { label: 'every row once, in id order', ok: problem === undefined, ...(problem ? { detail: problem } : {}) },
        { label: "the summary's warnings say the endpoint serves fewer rows than asked for", ok: warning !== undefined, ...(warning ? { detail: warning } : {}) },
        { label: "the summary's requests are the requests on the wire", ok: pass.summary.requests === pass.wire, detail: `${pass.summary.requests} counted, ${pass.wire} seen by the simulator` },
      ];
      log(`capped: ${rows.rows} rows in ${pass.summary.pages} pages`);
      const lists = pass.log.filter((r) => r.path === '/customer');
      return {
        scenario: this.name,
        title: this.summary,
        settings: [`GET /customer?sorting=id, itemsPerPage 1000; simulator --list /customer=cap=${CAP},full-result-size=exact`],
        figures: [
          { label: 'rows delivered', value: String(rows.rows), goal: { text: String(ROWS), met: rows.rows === ROWS }, note: 'before: 50, and a warning' },
          { label: 'list requests', value: String(lists.length), note: `count asked: ${[...new Set(lists.map((r) => r.count))].join(', ')}` },
          { label: 'pages', value: String(pass.summary.pages) },
        ],
        checks,
        data: { rows: rows.rows, pages: pass.summary.pages, requests: pass.summary.requests, wire: pass.wire, warnings: pass.summary.warnings },
      };
    } finally {
      await sim.close();
    }
  },
};
