import { scrub } from '../contract/secret.js';

// Not every error answer is Tripletex's envelope: a gateway may answer with an RFC 7807
// problem document, a load balancer with an HTML page, a proxy with plain text. Their useful
// part goes into the error message. Everything is scrubbed while whole and only then cut: a
// cut through a token would leave a piece that no longer matches, and the piece would show.

const EXCERPT_LENGTH = 300;
const HEAD_LENGTH = 64 * 1024;

function squeeze(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function cut(text: string): string {
  return text.length <= EXCERPT_LENGTH ? text : text.slice(0, EXCERPT_LENGTH - 1).trimEnd() + '…';
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code < 0x110000 ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

/** The page's title and the start of its visible text. */
function htmlText(html: string): string {
  const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(html)?.[1];
  const bodyText = html
    .replace(/<(script|style|head)[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<[^>]*>/g, ' ');
  const parts = [title, bodyText].map((part) => (part === undefined ? '' : squeeze(decodeEntities(part)))).filter(Boolean);
  if (parts.length === 2 && parts[1]!.startsWith(parts[0]!)) parts.shift();
  return parts.join(' — ');
}

/** title and detail of a problem document, or the usual fields of other JSON error shapes. */
export function problemText(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const b = body as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' && v.trim().length > 0 ? squeeze(v) : undefined);
  const parts = [str(b.title), str(b.detail) ?? str(b.error_description) ?? str(b.error) ?? str(b.errorMessage)].filter((p): p is string => p !== undefined);
  if (parts.length === 0) return undefined;
  return `a problem document: "${cut(scrub([...new Set(parts)].join(': ')))}"`;
}

/** A short account of a body that is not JSON: what kind of answer it is and its useful text. */
export function describeForeignBody(text: string, contentType: string | undefined): string {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  // Scrubbed whole first; only the start is examined further (bounded work on a huge page),
  // and scrubbed again after tags and entities are gone, in case they had split a token.
  const head = scrub(text).slice(0, HEAD_LENGTH);
  const isHtml = type === 'text/html' || /^\s*<(!doctype html|html|head|body)\b/i.test(head);
  const clean = scrub(isHtml ? htmlText(head) : squeeze(head));
  const kind = isHtml ? 'an HTML page' : type ? `a ${type} answer` : 'an answer';
  return clean ? `${kind}: "${cut(clean)}"` : `${kind} with no text`;
}
