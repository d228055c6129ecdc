// HTTP basic auth with failures rate-limited per client address, so a password cannot be
// guessed at line rate. Credentials come from `--auth user:pass` or an `--auth-file` of
// `user:pass` lines.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { TurbocamError } from '../errors.js';

export interface Credential {
  user: string;
  pass: string;
}

export type AuthVerdict = { ok: true } | { ok: false; status: 401 } | { ok: false; status: 429; retryAfterS: number };

export interface BasicAuthOptions {
  /** Failures allowed per address within `windowMs` before it is refused outright. */
  maxFailures?: number;
  windowMs?: number;
}

/** Parses `user:pass` (the password may contain colons; the user may not). */
export function parseCredential(text: string): Credential {
  const colon = text.indexOf(':');
  if (colon <= 0) throw new TurbocamError('ERR_INVALID_ARG', 'credentials must be user:pass');
  return { user: text.slice(0, colon), pass: text.slice(colon + 1) };
}

/** Reads `user:pass` lines; blank lines and `#` comments are skipped. */
export function readAuthFile(path: string): Credential[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code ?? 'ENOENT';
    throw new TurbocamError(code, `cannot read auth file ${path}`, { path, cause });
  }
  const credentials = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map(parseCredential);
  if (credentials.length === 0) throw new TurbocamError('ERR_INVALID_ARG', `auth file ${path} holds no user:pass line`, { path });
  return credentials;
}

// Comparing digests keeps the comparison constant-time whatever the lengths.
function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

export class BasicAuth {
  private readonly expected: Buffer[];
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly failures = new Map<string, { count: number; since: number }>();
  failuresTotal = 0;
  refusedTotal = 0;

  constructor(credentials: Credential[], options: BasicAuthOptions = {}) {
    this.expected = credentials.map((c) => digest(`${c.user}:${c.pass}`));
    this.maxFailures = options.maxFailures ?? 5;
    this.windowMs = options.windowMs ?? 60_000;
  }

  check(req: IncomingMessage): AuthVerdict {
    return this.checkAuthorization(req.socket.remoteAddress ?? 'unix', req.headers.authorization);
  }

  /** The same check for any protocol that carries an HTTP-style Authorization header (RTSP). */
  checkAuthorization(address: string, authorization: string | undefined): AuthVerdict {
    const now = Date.now();
    const record = this.failures.get(address);
    if (record !== undefined && now - record.since > this.windowMs) this.failures.delete(address);
    const current = this.failures.get(address);
    if (current !== undefined && current.count >= this.maxFailures) {
      this.refusedTotal += 1;
      return { ok: false, status: 429, retryAfterS: Math.ceil((current.since + this.windowMs - now) / 1000) };
    }
    if (this.matches(authorization)) return { ok: true };
    // Browsers first ask without credentials: that is not a failed guess.
    if (authorization === undefined) return { ok: false, status: 401 };
    this.failuresTotal += 1;
    if (current === undefined) {
      // Bounded memory whatever the number of attacking addresses.
      if (this.failures.size >= 10_000) this.failures.clear();
      this.failures.set(address, { count: 1, since: now });
    } else {
      current.count += 1;
    }
    return { ok: false, status: 401 };
  }

  private matches(header: string | undefined): boolean {
    if (header === undefined) return false;
    const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
    if (match === null || match[1] === undefined) return false;
    const given = digest(Buffer.from(match[1], 'base64').toString('utf8'));
    let ok = false;
    for (const expected of this.expected) ok = timingSafeEqual(given, expected) || ok;
    return ok;
  }
}
