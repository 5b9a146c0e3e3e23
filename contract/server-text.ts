import { scrubbedHead } from './secret.js';

// Every string a server sends is untrusted: it may echo a credential (a gateway that puts the
// session in its request id), and it may be of any length (a 40 MB error message). Before one
// goes into an error, a log line or an output, it is scrubbed and cut to a length a person can
// read, and the cut says how much was left out.

/** Characters kept of a server's message (Tripletex's own are a line or two). */
export const MAX_SERVER_MESSAGE = 2_000;
/** Characters kept of a short server value: a request id, a field name. */
export const MAX_SERVER_VALUE = 200;
/** Validation messages kept from one answer. */
export const MAX_VALIDATION_MESSAGES = 50;

/** The note a cut text ends with. */
const CUT_NOTE = /… \[[\d,]+ more characters not shown\]$/;

/** A server's string, scrubbed and cut to `max` characters, with a note of what was cut. A text already cut is kept as it is. */
export function untrustedText(text: string, max = MAX_SERVER_MESSAGE): string {
  if (CUT_NOTE.test(text) && text.replace(CUT_NOTE, '').length <= max) return scrubbedHead(text, text.length).head;
  const { head, omitted } = scrubbedHead(text, max);
  return omitted === 0 ? head : `${head}… [${omitted.toLocaleString('en-US')} more characters not shown]`;
}

/** untrustedText for a value that may be absent. */
export function untrustedOptional(text: string | undefined, max = MAX_SERVER_MESSAGE): string | undefined {
  return text === undefined ? undefined : untrustedText(text, max);
}
