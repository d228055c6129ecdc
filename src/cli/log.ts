// One line per event on stderr, filtered by --log-level.
import type { Log, LogLevel } from '../log.js';

const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

export function createLog(level: LogLevel, prefix: string): Log & { enabled: (level: LogLevel) => boolean } {
  const limit = RANK[level];
  const log = (at: LogLevel, message: string): void => {
    if (RANK[at] > limit) return;
    process.stderr.write(`${new Date().toISOString()} ${at.padEnd(5)} ${prefix}${message}\n`);
  };
  return Object.assign(log, { enabled: (at: LogLevel) => RANK[at] <= limit });
}
