import { StreamingJson, UnreadableJson } from '../../client/streaming-json.js';

// The answer's JSON parsed as it streams must be what JSON.parse of the whole text gives,
// however the bytes are cut into chunks, and must refuse exactly what JSON.parse refuses.

const DEPTH = 66;

function feed(bytes: Buffer, cuts: number[], maxDepth = DEPTH): unknown {
  const reader = new StreamingJson({ maxDepth });
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    reader.write(bytes.subarray(at, cut));
    at = cut;
  }
  return reader.end();
}

/** JSON.parse of the whole text, as the transport used it: blank is undefined. */
function whole(text: string): unknown {
  return text.trim().length === 0 ? undefined : JSON.parse(text);
}

function outcome(run: () => unknown): { value: unknown } | { error: string } {
  try {
    return { value: run() };
  } catch (error) {
    if (error instanceof UnreadableJson) return { error: error.reason };
    if (error instanceof SyntaxError) return { error: 'malformed' };
    throw error;
  }
}

/** Every way of cutting the text in two, and in one-byte chunks. */
function expectSameAsWhole(text: string): void {
  const bytes = Buffer.from(text);
  const expected = outcome(() => whole(text));
  const splits = [[], Array.from({ length: bytes.length - 1 }, (_, i) => i + 1), ...Array.from({ length: bytes.length - 1 }, (_, i) => [i + 1])];
  for (const cuts of splits) {
    const got = outcome(() => feed(bytes, cuts));
    if ('value' in expected && 'value' in got) {
      expect(got.value).toStrictEqual(expected.value);
      expect(JSON.stringify(got.value)).toBe(JSON.stringify(expected.value));
    } else expect({ text, cuts, got }).toEqual({ text, cuts, got: expected });
  }
}

describe('StreamingJson gives what JSON.parse gives', () => {
  it.each([
    ['a Tripletex list page', '{"fullResultSize":3,"from":0,"count":2,"versionDigest":"abc","values":[{"id":1,"name":"A"},{"id":2,"name":"B"}]}'],
    ['values first, metadata after', '{"values":[{"id":1}],"count":1}'],
    ['an empty list', '{"fullResultSize":0,"values":[]}'],
    ['whitespace everywhere', ' \n{ "values" :\t[ {"id" : 1} ,\r\n {"id":2} ] , "count" : 2 }\n '],
    ['rows that are scalars, strings and arrays', '{"values":[1,-0,2.5e3,true,false,null,"x",[1,[2]],{}]}'],
    ['brackets, commas and quotes inside strings', '{"values":[{"n":"a]b}c,d\\"e{f[g"},"]",",","\\\\"]}'],
    ['escapes and non-ASCII text', '{"values":[{"name":"Bjørn Ærø Åsen","e":"\\u00e6\\n\\t\\/","emoji":"😀"}]}'],
    ['a single object', '{"value":{"id":7,"values":[1,2]}}'],
    ['a top-level array', '[{"id":1},{"id":2}]'],
    ['a scalar', '42'],
    ['an empty body', ''],
    ['a blank body', ' \n\t'],
  ])('%s', (_name, text) => expectSameAsWhole(text));

  it('keeps numbers exactly as JSON.parse rounds them: big ids, -0, overflow', () => {
    const text = '{"values":[{"id":12345678901234567890},{"id":9007199254740993},{"id":-0},{"id":1e400},{"id":0.1}]}';
    const rows = (feed(Buffer.from(text), [17, 40]) as { values: { id: number }[] }).values;
    expect(rows.map((r) => r.id)).toEqual((JSON.parse(text) as { values: { id: number }[] }).values.map((r) => r.id));
    expect(Object.is(rows[2]!.id, -0)).toBe(true);
    expect(rows[3]!.id).toBe(Infinity);
  });

  it('makes "__proto__" an own property, never the prototype, in rows and in the envelope', () => {
    const text = '{"__proto__":{"polluted":1},"values":[{"__proto__":{"polluted":2},"id":1},{"a":{"__proto__":[3]}}]}';
    const parsed = feed(Buffer.from(text), [5, 30, 60]) as Record<string, unknown> & { values: Record<string, unknown>[] };
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.keys(parsed)).toEqual(['__proto__', 'values']);
    expect(Object.getPrototypeOf(parsed.values[0])).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(parsed.values[0], '__proto__')?.value).toEqual({ polluted: 2 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(parsed).toStrictEqual(JSON.parse(text));
  });

  it.each([
    ['two values arrays: the last wins', '{"values":[1,2],"count":2,"values":[3]}'],
    ['a scalar values, then an array', '{"values":5,"values":[1]}'],
    ['an array, then a scalar values', '{"values":[1],"values":null}'],
    ['a key spelled with escapes', '{"val\\u0075es":[1,2],"x":1}'],
    ['values inside a nested object is not the list', '{"a":{"values":[1]},"values":[2]}'],
    ['a key that only looks like values', '{"values ":[1],"Values":[2],"valuesx":[3]}'],
  ])('duplicate and look-alike keys: %s', (_name, text) => expectSameAsWhole(text));

  it('decodes multi-byte characters cut between chunks', () => {
    const text = '{"values":[{"n":"ÆØÅ€😀"}],"x":"ø"}';
    const bytes = Buffer.from(text);
    for (let cut = 1; cut < bytes.length; cut++) expect(feed(bytes, [cut])).toStrictEqual(JSON.parse(text));
  });

  it('decodes bad UTF-8 the way the whole text would be decoded', () => {
    const bytes = Buffer.concat([Buffer.from('{"values":[{"n":"a'), Buffer.from([0xff, 0xc3]), Buffer.from('"}],"m":"'), Buffer.from([0xe2, 0x82]), Buffer.from('"}')]);
    const expected = JSON.parse(bytes.toString('utf8')) as unknown;
    for (let cut = 1; cut < bytes.length; cut++) expect(feed(bytes, [cut])).toStrictEqual(expected);
  });
});

describe('StreamingJson refuses what is not one JSON value', () => {
  const page = '{"fullResultSize":2,"values":[{"id":1,"s":"x]"},{"id":2}],"count":2}';

  it('every answer cut short, wherever the cut', () => {
    for (let length = 1; length < page.length; length++) {
      const got = outcome(() => feed(Buffer.from(page.slice(0, length)), [Math.floor(length / 2)]));
      expect({ length, got }).toEqual({ length, got: { error: 'malformed' } });
    }
  });

  it.each([
    ['a trailing comma in values', '{"values":[1,2,]}'],
    ['a leading comma in values', '{"values":[,1]}'],
    ['two commas', '{"values":[1,,2]}'],
    ['a missing comma', '{"values":[{"id":1}{"id":2}]}'],
    ['a missing comma between scalars', '{"values":[1 2]}'],
    ['a broken row', '{"values":[{"id":1,}]}'],
    ['a bare word', '{"values":[undefined]}'],
    ['a control character in a string', '{"values":["a\u0001b"]}'],
    ['text after the end', '{"values":[1]} {}'],
    ['an unclosed values', '{"values":[1,2'],
    ['a mismatched bracket', '{"values":[{"id":1]]}'],
    ['an HTML page', '<html><body>Bad gateway</body></html>'],
    ['a byte-order mark', '\ufeff{"values":[]}'],
  ])('%s', (_name, text) => {
    expect(outcome(() => whole(text))).toEqual({ error: 'malformed' });
    expectSameAsWhole(text);
  });

  it('never quotes the answer in its message', () => {
    for (const text of ['{"values":[{"token":"CANARY-streaming-1"},}', '{"values":[{"token":"CANARY-streaming-2"} {"x":1}]}', '{"token":"CANARY-streaming-3",']) {
      let message = '';
      try {
        feed(Buffer.from(text), []);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/\S/);
      expect(message).not.toMatch(/CANARY/);
    }
  });

  it('agrees with JSON.parse on thousands of generated answers, whole, cut short or spoiled', () => {
    // A fixed seed: the same texts every run.
    let seed = 20261130;
    const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const pick = <T,>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const scalar = ['1', '-0', '1e400', '12345678901234567890', '0.1', 'true', 'false', 'null', '"a\\"b"', '"\\\\"', '"æøå€😀"', '"\\u0076alues"', '"]}[{,:"'];
    const keys = ['"a"', '"values"', '"__proto__"', '"val\\u0075es"', '"x y"'];
    const value = (depth: number): string => {
      const r = random();
      if (depth > 4 || r < 0.4) return pick(scalar);
      const n = Math.floor(random() * 4);
      if (r < 0.7) return '[' + Array.from({ length: n }, () => pick([' ', '']) + value(depth + 1)).join(',') + ']';
      return '{' + Array.from({ length: n }, () => pick(keys) + pick([':', ' : ']) + value(depth + 1)).join(',') + '}';
    };
    const list = () => '[' + Array.from({ length: Math.floor(random() * 5) }, () => pick(['', ' ', '\n']) + value(1)).join(',') + ']';
    const envelope = () =>
      pick(['', ' ']) + '{' + Array.from({ length: 1 + Math.floor(random() * 4) }, () => pick([...keys, '"values"', '"count"']) + pick([':', ' :\n ']) + (random() < 0.6 ? list() : value(1))).join(',') + '}';
    for (let n = 0; n < 3000; n++) {
      let text = envelope();
      const spoil = random();
      if (spoil < 0.3) text = text.slice(0, Math.floor(random() * text.length));
      else if (spoil < 0.45) {
        const at = Math.floor(random() * text.length);
        text = text.slice(0, at) + pick([',', ']', '[', '{', '}', '"', ':', 'x', ' ']) + text.slice(at);
      }
      const bytes = Buffer.from(text);
      const cuts: number[] = [];
      for (let at = 1 + Math.floor(random() * 8); at < bytes.length; at += 1 + Math.floor(random() * 8)) cuts.push(at);
      const expected = outcome(() => whole(text));
      const got = outcome(() => feed(bytes, cuts));
      if ('value' in expected && 'value' in got) expect(got.value).toStrictEqual(expected.value);
      else expect({ text, got }).toEqual({ text, got: expected });
    }
  });
});

describe('StreamingJson bounds nesting and memory', () => {
  const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

  it('accepts rows nested as deeply as a body may be, refuses one level more', () => {
    // The envelope is level 1, values level 2: a row of 64 levels reaches 66.
    expect(feed(Buffer.from(`{"values":[${nested(64)}]}`), [20])).toStrictEqual(JSON.parse(`{"values":[${nested(64)}]}`));
    expect(outcome(() => feed(Buffer.from(`{"values":[${nested(65)}]}`), [20]))).toEqual({ error: 'too-deep' });
    expect(outcome(() => feed(Buffer.from(`{"value":${nested(66)}}`), []))).toEqual({ error: 'too-deep' });
    expect(outcome(() => feed(Buffer.from(nested(67)), []))).toEqual({ error: 'too-deep' });
  });

  it('does not count brackets inside strings', () => {
    const text = `{"values":[{"s":"${'['.repeat(500)}"}]}`;
    expect(feed(Buffer.from(text), [100])).toStrictEqual(JSON.parse(text));
  });

  it('refuses an answer thousands of levels deep while it streams, without running out of stack', () => {
    const reader = new StreamingJson({ maxDepth: DEPTH });
    reader.write(Buffer.from('{"values":['));
    expect(() => reader.write(Buffer.from('{"a":'.repeat(100_000)))).toThrow(/nested deeper than 66 levels/);
  });

  it('parses a huge string that arrives in many chunks', () => {
    const big = 'x'.repeat(3 * 1024 * 1024) + 'ø"\\';
    const text = JSON.stringify({ values: [{ id: 1, note: big }, { id: 2 }] });
    const bytes = Buffer.from(text);
    const cuts = Array.from({ length: Math.floor(bytes.length / 65536) }, (_, i) => (i + 1) * 65536);
    const parsed = feed(bytes, cuts) as { values: { note?: string }[] };
    expect(parsed.values[0]!.note).toBe(big);
    expect(parsed.values).toHaveLength(2);
  });

  it('holds only the envelope and the row coming in, never the rows already parsed', () => {
    const reader = new StreamingJson({ maxDepth: DEPTH });
    const row = JSON.stringify({ id: 1, name: 'n'.repeat(1000) });
    reader.write(Buffer.from('{"fullResultSize":5000,"values":['));
    let most = 0;
    for (let i = 0; i < 5000; i++) {
      const text = (i > 0 ? ',' : '') + row;
      // Each row cut in two, as chunks cut rows on the wire.
      reader.write(Buffer.from(text.slice(0, 300)));
      most = Math.max(most, reader.heldBytes);
      reader.write(Buffer.from(text.slice(300)));
      most = Math.max(most, reader.heldBytes);
    }
    reader.write(Buffer.from('],"count":5000}'));
    expect(most).toBeLessThan(2 * row.length);
    const parsed = reader.end() as { values: unknown[]; count: number };
    expect(parsed.values).toHaveLength(5000);
    expect(parsed.count).toBe(5000);
  });
});
