import type { Log, LogLevel } from '../http/routes.js';
export declare function createLog(level: LogLevel, prefix: string): Log & {
    enabled: (level: LogLevel) => boolean;
};
