// The plain loop the memory scenario compares the CLI with: what someone writes by hand with
// Node's own fetch, one page at a time, each row a line of NDJSON, waiting for the file to take
// each page. Arguments: base URL, consumer token, employee token, output file, rows a page,
// pages at most.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

const [base, consumerToken, employeeToken, out, perPage = '1000', maxPages = '1000000'] = process.argv.slice(2) as [string, string, string, string, string?, string?];
const created = await fetch(`${base}/token/session/:create`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ consumerToken, employeeToken, expirationDate: '2099-12-31' }),
});
const token = ((await created.json()) as { value: { token: string } }).value.token;
const authorization = 'Basic ' + Buffer.from(`0:${token}`).toString('base64');
const file = createWriteStream(out);
const count = Number(perPage);
let from = 0;
for (let page = 0; page < Number(maxPages); page++) {
  const answer = await fetch(`${base}/customer?sorting=id&from=${from}&count=${count}`, { headers: { authorization } });
  const values = ((await answer.json()) as { values: unknown[] }).values;
  let chunk = '';
  for (const row of values) chunk += JSON.stringify(row) + '\n';
  if (!file.write(chunk)) await once(file, 'drain');
  from += values.length;
  if (values.length < count) break;
}
file.end();
await once(file, 'finish');
