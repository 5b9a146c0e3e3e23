import { guardNetworkWithNock } from '../support/nock-guard.js';
import { run } from '../../actions/rest-api-request-with-paging.js';
import { InputError } from '../../contract/errors.js';
import { resetRateLimiters } from '../../client/rate-limiter.js';
import { Secret } from '../../contract/secret.js';
import { setSharedSessionPool, TripletexClient } from '../../connection/tripletex-client.js';
import { SessionPool } from '../../connection/session-pool.js';
import { resolveConnectionProperties } from '../../connection/resolved-connection.js';
import { MAX_INPUT_DEPTH } from '../../contract/input-depth.js';
import { recordingContext } from '../e2e/support.js';

// Input no request can carry is refused before anything happens: no session is created and
// nothing reaches the network (nock allows no connection and has no interceptor here), and the
// error names the input instead of claiming the request "may have been applied".

const connection = { name: 'Unit', consumerToken: 'CANARY-refused-consumer', employeeToken: 'CANARY-refused-employee' };

function nested(levels: number): unknown {
  let value: unknown = { leaf: true };
  for (let i = 0; i < levels; i++) value = { inner: value };
  return value;
}

describe('refused before anything is sent', () => {
  guardNetworkWithNock();
  let sessionsAsked = 0;
  beforeEach(() => {
    sessionsAsked = 0;
    resetRateLimiters();
    setSharedSessionPool(new SessionPool({ create: async (_c, expirationDate) => ((sessionsAsked += 1), { token: new Secret('CANARY-refused-session'), expirationDate }) }));
  });
  afterAll(() => setSharedSessionPool(undefined));

  const refusal = async (inputs: Record<string, unknown>): Promise<InputError> => {
    const error = await run({ connection, path: '/customer', ...inputs }, recordingContext()).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InputError);
    expect(sessionsAsked).toBe(0);
    return error as InputError;
  };

  it.each([3_000, 20_000])('refuses a body nested %i levels deep, by name and limit', async (levels) => {
    const error = await refusal({ method: 'POST', body: nested(levels) });
    expect(error.field).toBe('body.inner.inner.inner…');
    expect(error.message).toMatch(new RegExp(`nested more than ${MAX_INPUT_DEPTH} levels deep`));
    expect(error.message).not.toMatch(/may (already )?have been applied/);
  });

  it('accepts a body exactly at the depth limit', async () => {
    // One level less than the limit, plus the leaf object: exactly MAX_INPUT_DEPTH.
    const error = await run({ connection, path: '/customer', method: 'POST', body: nested(MAX_INPUT_DEPTH - 1), maxPageCount: 1 }, recordingContext()).catch((e: unknown) => e);
    // It passed the input checks and went for a session (nock then refuses the connection).
    expect(error).not.toBeInstanceOf(InputError);
    expect(sessionsAsked).toBe(1);
  });

  it.each([
    ['a line break', 'abc\r\nX-Injected: 1'],
    ['a control character', 'abc\u0007'],
    ['a letter outside ASCII', 'blåbær'],
  ])('refuses an If-None-Match with %s', async (_what, value) => {
    const error = await refusal({ ifNoneMatch: value });
    expect(error.field).toBe('ifNoneMatch');
    expect(error.message).toMatch(/printable ASCII/);
  });

  it.each([
    [{ startIndex: 2 ** 53 }, 'startIndex'],
    [{ startIndex: 1e300 }, 'startIndex'],
    [{ maxResponseMegabytes: 0 }, 'maxResponseMegabytes'],
    [{ maxResponseMegabytes: 4096 }, 'maxResponseMegabytes'],
    [{ maxWaitSeconds: -1 }, 'maxWaitSeconds'],
    [{ maxWaitSeconds: 99_999_999 }, 'maxWaitSeconds'],
  ])('refuses %j by naming the field', async (inputs, field) => {
    const error = await refusal(inputs);
    expect(error.field).toBe(field);
  });

  it('refuses, at the wire, a body JSON cannot hold and a header HTTP cannot carry, without sending', async () => {
    const client = new TripletexClient(resolveConnectionProperties(connection));
    const cyclic: Record<string, unknown> = { name: 'Loop AS' };
    cyclic.self = cyclic;
    const cyclicError = await client.request({ method: 'POST', path: '/customer', body: cyclic }).catch((e: unknown) => e);
    expect(cyclicError).toBeInstanceOf(InputError);
    expect((cyclicError as InputError).message).toMatch(/POST \/customer was not sent: body: cannot be sent as JSON/);
    const headerError = await client.request({ method: 'GET', path: '/customer', headers: { 'if-none-match': 'a\nb' } }).catch((e: unknown) => e);
    expect(headerError).toBeInstanceOf(InputError);
    expect((headerError as InputError).field).toBe('header if-none-match');
  });
});
