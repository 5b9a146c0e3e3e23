import nock from 'nock';

/**
 * Every test file gets its own copy of nock, but they all patch the one `http` module of the
 * worker process. A copy left active after its file ends still answers (and errors) for the
 * next file's requests, so each file that uses nock takes it down again when it is done.
 */
export function guardNetworkWithNock(): void {
  beforeAll(() => {
    if (!nock.isActive()) nock.activate();
    nock.disableNetConnect();
  });
  // An interceptor nobody used means the code sent fewer requests than the test expected.
  afterEach(() => {
    const unused = nock.pendingMocks();
    nock.cleanAll();
    expect(unused).toEqual([]);
  });
  afterAll(() => {
    nock.enableNetConnect();
    nock.restore();
  });
}
