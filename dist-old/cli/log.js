const RANK = { error: 0, warn: 1, info: 2, debug: 3 };
export function createLog(level, prefix) {
    const limit = RANK[level];
    const log = (at, message) => {
        if (RANK[at] > limit)
            return;
        process.stderr.write(`${new Date().toISOString()} ${at.padEnd(5)} ${prefix}${message}\n`);
    };
    return Object.assign(log, { enabled: (at) => RANK[at] <= limit });
}
//# sourceMappingURL=log.js.map