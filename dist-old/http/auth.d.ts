import type { IncomingMessage } from 'node:http';
export interface Credential {
    user: string;
    pass: string;
}
export type AuthVerdict = {
    ok: true;
} | {
    ok: false;
    status: 401;
} | {
    ok: false;
    status: 429;
    retryAfterS: number;
};
export interface BasicAuthOptions {
    /** Failures allowed per address within `windowMs` before it is refused outright. */
    maxFailures?: number;
    windowMs?: number;
}
/** Parses `user:pass` (the password may contain colons; the user may not). */
export declare function parseCredential(text: string): Credential;
/** Reads `user:pass` lines; blank lines and `#` comments are skipped. */
export declare function readAuthFile(path: string): Credential[];
export declare class BasicAuth {
    private readonly expected;
    private readonly maxFailures;
    private readonly windowMs;
    private readonly failures;
    failuresTotal: number;
    refusedTotal: number;
    constructor(credentials: Credential[], options?: BasicAuthOptions);
    check(req: IncomingMessage): AuthVerdict;
    private matches;
}
