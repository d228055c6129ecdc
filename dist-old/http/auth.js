// HTTP basic auth with failures rate-limited per client address, so a password cannot be
// guessed at line rate. Credentials come from `--auth user:pass` or an `--auth-file` of
// `user:pass` lines.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { codedError } from '../errors.js';
/** Parses `user:pass` (the password may contain colons; the user may not). */
export function parseCredential(text) {
    const colon = text.indexOf(':');
    if (colon <= 0)
        throw codedError('ERR_INVALID_ARG', 'credentials must be user:pass');
    return { user: text.slice(0, colon), pass: text.slice(colon + 1) };
}
/** Reads `user:pass` lines; blank lines and `#` comments are skipped. */
export function readAuthFile(path) {
    let text;
    try {
        text = readFileSync(path, 'utf8');
    }
    catch (cause) {
        const code = cause.code ?? 'ENOENT';
        throw codedError(code, `cannot read auth file ${path}`, { path, cause });
    }
    const credentials = text
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter((line) => line !== '' && !line.startsWith('#'))
        .map(parseCredential);
    if (credentials.length === 0)
        throw codedError('ERR_INVALID_ARG', `auth file ${path} holds no user:pass line`, { path });
    return credentials;
}
// Comparing digests keeps the comparison constant-time whatever the lengths.
function digest(text) {
    return createHash('sha256').update(text).digest();
}
export class BasicAuth {
    expected;
    maxFailures;
    windowMs;
    failures = new Map();
    failuresTotal = 0;
    refusedTotal = 0;
    constructor(credentials, options = {}) {
        this.expected = credentials.map((c) => digest(`${c.user}:${c.pass}`));
        this.maxFailures = options.maxFailures ?? 5;
        this.windowMs = options.windowMs ?? 60_000;
    }
    check(req) {
        const address = req.socket.remoteAddress ?? 'unix';
        const now = Date.now();
        const record = this.failures.get(address);
        if (record !== undefined && now - record.since > this.windowMs)
            this.failures.delete(address);
        const current = this.failures.get(address);
        if (current !== undefined && current.count >= this.maxFailures) {
            this.refusedTotal += 1;
            return { ok: false, status: 429, retryAfterS: Math.ceil((current.since + this.windowMs - now) / 1000) };
        }
        if (this.matches(req.headers.authorization))
            return { ok: true };
        // Browsers first ask without credentials: that is not a failed guess.
        if (req.headers.authorization === undefined)
            return { ok: false, status: 401 };
        this.failuresTotal += 1;
        if (current === undefined) {
            // Bounded memory whatever the number of attacking addresses.
            if (this.failures.size >= 10_000)
                this.failures.clear();
            this.failures.set(address, { count: 1, since: now });
        }
        else {
            current.count += 1;
        }
        return { ok: false, status: 401 };
    }
    matches(header) {
        if (header === undefined)
            return false;
        const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
        if (match === null || match[1] === undefined)
            return false;
        const given = digest(Buffer.from(match[1], 'base64').toString('utf8'));
        let ok = false;
        for (const expected of this.expected)
            ok = timingSafeEqual(given, expected) || ok;
        return ok;
    }
}
//# sourceMappingURL=auth.js.map