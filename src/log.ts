// What logging is to the rooms that log (the server, the CLI): levels and a function to call.
// The CLI's stderr logger is one implementation (src/cli/log.ts).

/** Most severe first. */
export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type Log = (level: LogLevel, message: string) => void;
