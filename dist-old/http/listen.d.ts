import type { Server } from 'node:http';
export type ListenTarget = {
    kind: 'tcp';
    host: string;
    port: number;
} | {
    kind: 'unix';
    path: string;
} | {
    kind: 'systemd';
    fd: number;
};
/** The fd systemd passed, when it started us through a socket unit. */
export declare function systemdSocketFd(env?: NodeJS.ProcessEnv): number | undefined;
export declare function listenOn(server: Server, target: ListenTarget): Promise<void>;
/** Base URLs (ending in `/`) of a listening server. */
export declare function baseUrls(server: Server, target: ListenTarget): string[];
