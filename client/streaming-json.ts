import { StringDecoder } from 'node:string_decoder';

// An answer's JSON, parsed while it streams in. A list page is an envelope around `values`, and
// held whole it would exist three times at once (the socket's chunks, the joined bytes, the
// text) before JSON.parse made a fourth, parsed copy. Here each chunk is scanned as it arrives:
// every element of the envelope's `values` is cut out and handed to JSON.parse as soon as its
// last byte is in, and the chunk is let go. Only the envelope's other members (a few dozen
// bytes on Tripletex) are kept as text and parsed at the end.
//
// The scanner only finds where things begin and end (strings, brackets, commas); V8's
// JSON.parse still parses every byte, so values come out exactly as JSON.parse of the whole
// text would give them: numbers rounded the same way (a big id is the same double), a
// "__proto__" key an own property like any other, the last of two equal keys winning, strings
// decoded as UTF-8 whatever charset the answer names. What the scanner checks itself is what
// it takes out of JSON.parse's sight: the commas between the elements of `values`.
//
// Nesting is bounded while scanning: recursive code downstream (JSON.stringify, schema
// validation) would run out of stack on an answer thousands of levels deep, so one deeper
// than `maxDepth` is refused before it is parsed.

/** Why an answer could not be read as JSON. */
export class UnreadableJson extends Error {
  constructor(
    readonly reason: 'malformed' | 'too-deep',
    message: string,
  ) {
    super(message);
    this.name = 'UnreadableJson';
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

const isJsonSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/** Longest key text that can still spell "values" (each letter a six-byte \u escape, plus quotes). */
const LONGEST_VALUES_KEY = 6 * 6 + 2;

/** Where the scanner is, at the top level of the answer. */
const enum Top {
  /** Nothing but whitespace yet. */
  Start,
  /** The answer is an object: its members are followed, and a `values` array is streamed. */
  Object,
  /** Anything else (an array, a scalar, not JSON at all): kept whole and parsed at the end. */
  Whole,
}

/** Inside the top-level object, between its members. */
const enum Member {
  Key,
  InKey,
  Colon,
  Value,
  /** In a member's value, or after it: waiting for the comma at depth 1. */
  Rest,
}

/** Inside the streamed `values` array. */
const enum Row {
  /** Right after `[`: an element or `]`. */
  First,
  /** After a comma: an element. */
  Next,
  /** After an element: a comma or `]`. */
  After,
  /** In an element: an object or array (until its depth closes), a string, or a scalar. */
  InNested,
  InString,
  InScalar,
}

export interface StreamingJsonOptions {
  /** Deepest nesting accepted (objects and arrays, the answer itself counted as 1). */
  maxDepth: number;
}

export class StreamingJson {
  readonly #maxDepth: number;
  /** Every byte not streamed as a row, as text. */
  #kept = '';
  readonly #decoder = new StringDecoder('utf8');
  #depth = 0;
  #inString = false;
  #escaped = false;
  #top = Top.Start;
  #member = Member.Key;
  #key: number[] = [];
  #lastKeyIsValues = false;
  /** undefined until a `values` array is streamed; then its rows so far. */
  #rows: unknown[] | undefined;
  #streaming = false;
  #row = Row.First;
  /** The bytes of the element being read that came in earlier chunks. */
  #pieces: Buffer[] = [];
  /** A `values` member after the streamed one: JSON.parse keeps the last, so does this. */
  #valuesAgain = false;
  /** Bytes taken before the current chunk. */
  #offset = 0;

  constructor(options: StreamingJsonOptions) {
    this.#maxDepth = options.maxDepth;
  }

  /** Takes the next chunk of the answer. Throws UnreadableJson as soon as the answer cannot be JSON within the limits. */
  write(chunk: Buffer): void {
    const n = chunk.length;
    let keepFrom = 0;
    let elementFrom = 0;
    for (let i = 0; i < n; i++) {
      if (this.#streaming) {
        if (this.#row === Row.InNested) {
          // The hot path: most of a list page's bytes are inside its rows.
          const end = this.#skipNested(chunk, i);
          if (end === n) break;
          this.#endRow(chunk, elementFrom, end + 1);
          i = end;
          continue;
        }
        const c = chunk[i]!;
        if (this.#row === Row.InString) {
          if (this.#escaped) this.#escaped = false;
          else if (c === BACKSLASH) this.#escaped = true;
          else if (c === QUOTE) this.#endRow(chunk, elementFrom, i + 1);
          continue;
        }
        if (this.#row === Row.InScalar) {
          if (c !== COMMA && c !== CLOSE_ARRAY && !isJsonSpace(c)) continue;
          this.#endRow(chunk, elementFrom, i); // and the byte that ended it is read as after any element
        }
        if (isJsonSpace(c)) continue;
        if (c === COMMA) {
          if (this.#row !== Row.After) throw this.#malformed(i, 'a comma where a value belongs in "values"');
          this.#row = Row.Next;
        } else if (c === CLOSE_ARRAY) {
          if (this.#row === Row.Next) throw this.#malformed(i, 'a comma before the end of "values"');
          this.#streaming = false;
          this.#depth -= 1;
          keepFrom = i;
        } else {
          if (this.#row === Row.After) throw this.#malformed(i, 'two values in "values" without a comma between them');
          elementFrom = i;
          if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
            this.#deeper(i);
            this.#row = Row.InNested;
          } else this.#row = c === QUOTE ? Row.InString : Row.InScalar;
        }
        continue;
      }

      const c = chunk[i]!;
      if (this.#inString) {
        if (this.#escaped) this.#escaped = false;
        else if (c === BACKSLASH) this.#escaped = true;
        else if (c === QUOTE) this.#inString = false;
        if (this.#member === Member.InKey) this.#keyByte(c);
        continue;
      }
      if (this.#top === Top.Start) {
        if (isJsonSpace(c)) continue;
        this.#top = c === OPEN_OBJECT ? Top.Object : Top.Whole;
      }
      if (c === QUOTE) this.#inString = true;
      else if (c === OPEN_OBJECT || c === OPEN_ARRAY) this.#deeper(i);
      else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) this.#depth -= 1;
      if (this.#top !== Top.Object) continue;
      // The members of the top-level object: which key each value belongs to.
      if (this.#depth === 1) {
        if (c === OPEN_OBJECT) this.#member = Member.Key;
        else if (c === COMMA) this.#member = Member.Key;
        else if (c === QUOTE && this.#member === Member.Key) {
          this.#member = Member.InKey;
          this.#key.length = 0;
          this.#keyByte(c);
        } else if (c === COLON && this.#member === Member.Colon) this.#member = Member.Value;
        else if (this.#member === Member.Value && !isJsonSpace(c)) this.#member = Member.Rest;
      } else if (this.#depth === 2 && this.#member === Member.Value) {
        this.#member = Member.Rest;
        if (c === OPEN_ARRAY && this.#lastKeyIsValues) {
          // The array's `[` stays in the envelope, and so will its `]`; its elements become rows.
          this.#keep(chunk, keepFrom, i + 1);
          this.#rows = [];
          this.#streaming = true;
          this.#row = Row.First;
        }
      }
    }
    if (!this.#streaming) this.#keep(chunk, keepFrom, n);
    else if (this.#row === Row.InNested || this.#row === Row.InString || this.#row === Row.InScalar) this.#pieces.push(chunk.subarray(elementFrom));
    this.#offset += n;
  }

  /** Bytes held now: the envelope's text and the element of `values` still coming in; never the rows already parsed. */
  get heldBytes(): number {
    return this.#kept.length + this.#pieces.reduce((sum, piece) => sum + piece.length, 0);
  }

  /**
   * The whole answer, parsed: undefined when it held nothing but whitespace. Throws
   * UnreadableJson when it was not one JSON value.
   */
  end(): unknown {
    if (this.#streaming) throw this.#malformed(0, 'the answer ends inside "values"');
    const text = this.#kept + this.#decoder.end();
    this.#kept = '';
    if (text.trim().length === 0) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      // JSON.parse's message quotes the text, which is the server's: it is not repeated.
      throw new UnreadableJson('malformed', 'not JSON');
    }
    if (this.#rows !== undefined && !this.#valuesAgain) (parsed as { values: unknown[] }).values = this.#rows;
    this.#rows = undefined;
    return parsed;
  }

  /**
   * From `from`, inside an object or array element of `values`: the index of the bracket that
   * closes the element, or the chunk's length when it goes on in the next chunk.
   */
  #skipNested(chunk: Buffer, from: number): number {
    const n = chunk.length;
    let depth = this.#depth;
    let inString = this.#inString;
    let escaped = this.#escaped;
    let i = from;
    for (; i < n; i++) {
      const c = chunk[i]!;
      if (inString) {
        if (escaped) escaped = false;
        else if (c === BACKSLASH) escaped = true;
        else if (c === QUOTE) inString = false;
      } else if (c === QUOTE) inString = true;
      else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
        if (++depth > this.#maxDepth) {
          this.#depth = depth;
          throw this.#tooDeep(i);
        }
      } else if ((c === CLOSE_OBJECT || c === CLOSE_ARRAY) && --depth === 2) break;
    }
    this.#depth = depth;
    this.#inString = inString;
    this.#escaped = escaped;
    return i;
  }

  /** What is kept is text: the chunk it came in can go. */
  #keep(chunk: Buffer, from: number, to: number): void {
    if (to > from) this.#kept += this.#decoder.write(chunk.subarray(from, to));
  }

  #deeper(at: number): void {
    if (++this.#depth > this.#maxDepth) throw this.#tooDeep(at);
  }

  #tooDeep(at: number): UnreadableJson {
    return new UnreadableJson('too-deep', `nested deeper than ${this.#maxDepth} levels (at byte ${this.#offset + at})`);
  }

  /** A byte of a key of the top-level object; at its closing quote, whether the key is "values". */
  #keyByte(c: number): void {
    if (this.#key.length <= LONGEST_VALUES_KEY) this.#key.push(c);
    if (this.#inString) return;
    this.#member = Member.Colon;
    let key: unknown;
    if (this.#key.length <= LONGEST_VALUES_KEY) {
      try {
        key = JSON.parse(Buffer.from(this.#key).toString('utf8'));
      } catch {
        key = undefined; // the envelope's own parse will refuse it
      }
    }
    // Only the first `values` that holds an array is streamed; a later one wins, as in JSON.parse.
    this.#lastKeyIsValues = key === 'values' && this.#rows === undefined;
    if (key === 'values' && this.#rows !== undefined) this.#valuesAgain = true;
  }

  /** An element of `values` is complete: parse it now, and let its bytes go. */
  #endRow(chunk: Buffer, from: number, to: number): void {
    let text: string;
    if (this.#pieces.length === 0) text = chunk.toString('utf8', from, to);
    else {
      this.#pieces.push(chunk.subarray(0, to));
      text = Buffer.concat(this.#pieces).toString('utf8');
      this.#pieces = [];
    }
    try {
      this.#rows!.push(JSON.parse(text));
    } catch {
      throw new UnreadableJson('malformed', `element ${this.#rows!.length + 1} of "values" is not JSON`);
    }
    this.#row = Row.After;
  }

  #malformed(at: number, what: string): UnreadableJson {
    return new UnreadableJson('malformed', `${what} (at byte ${this.#offset + at})`);
  }
}
