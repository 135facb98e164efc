// Reads the mail the API sent to the SMTP sink (e2e/mailsink.py writes one .eml file per message into
// MAIL_DIR), so the browser tests can follow the very link a reader would click.
import {readFileSync, readdirSync} from 'node:fs';
import path from 'node:path';

export const MAIL_DIR = process.env.MAIL_DIR ?? new URL('../artifacts/mail/', import.meta.url).pathname;

function splitHeaders(raw) {
  const at = raw.search(/\r?\n\r?\n/);
  const head = at === -1 ? raw : raw.slice(0, at);
  const body = at === -1 ? '' : raw.slice(at).replace(/^\r?\n\r?\n/, '');
  const headers = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return {headers, body};
}

function decodeBody(body, encoding = '') {
  const e = encoding.toLowerCase();
  if (e === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (e === 'quoted-printable') {
    const bytes = body.replace(/=\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return body;
}

/** The decoded text parts of a raw RFC 5322 message (multipart or not), keyed by content type. */
export function parseMail(raw) {
  const {headers, body} = splitHeaders(raw);
  const parts = {};
  const collect = (h, b) => {
    const type = (h['content-type'] ?? 'text/plain').split(';')[0].trim().toLowerCase();
    const boundary = /boundary="?([^";]+)"?/i.exec(h['content-type'] ?? '')?.[1];
    if (type.startsWith('multipart/') && boundary) {
      for (const chunk of b.split(`--${boundary}`).slice(1)) {
        if (chunk.startsWith('--')) break;
        const inner = splitHeaders(chunk.replace(/^\r?\n/, ''));
        collect(inner.headers, inner.body);
      }
      return;
    }
    parts[type] = decodeBody(b, h['content-transfer-encoding']);
  };
  collect(headers, body);
  return {to: headers['x-envelope-to'] ?? headers.to ?? '', subject: headers.subject ?? '', parts};
}

/** Every message in the sink, oldest first. */
export function allMail() {
  let names = [];
  try {
    names = readdirSync(MAIL_DIR).filter((n) => n.endsWith('.eml')).sort();
  } catch {
    return [];
  }
  return names.map((n) => ({file: n, ...parseMail(readFileSync(path.join(MAIL_DIR, n), 'utf8'))}));
}

/**
 * Waits (up to `timeout` ms) for a message to `to` whose subject matches `subject`, newer than the
 * files already seen in `after` (a list from allMail()), and returns it.
 */
export async function waitForMail(to, {subject = /./, after = [], timeout = 15_000} = {}) {
  const seen = new Set(after.map((m) => m.file));
  const deadline = Date.now() + timeout;
  for (;;) {
    const found = allMail().filter(
      (m) => !seen.has(m.file) && m.to.toLowerCase().includes(to.toLowerCase()) && subject.test(m.subject),
    );
    if (found.length > 0) return found.at(-1);
    if (Date.now() > deadline) {
      throw new Error(`no mail to ${to} matching ${subject} in ${MAIL_DIR} after ${timeout} ms`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The link to `pathname` (e.g. "/auth/reset-password") in a message's plain text, as a URL string. */
export function linkIn(mail, pathname) {
  const text = mail.parts['text/plain'] ?? '';
  const match = text.match(new RegExp(`https?://[^\\s<>"]*${pathname.replace(/[/-]/g, '\\$&')}\\?token=[^\\s<>"]+`));
  if (!match) throw new Error(`no ${pathname} link in the mail "${mail.subject}" to ${mail.to}:\n${text}`);
  return match[0];
}
