export function iterateLatest(source) {
    let newest;
    let waiting;
    let done = false;
    const finish = () => {
        done = true;
        source.off('frame', onFrame);
        source.off('error', finish);
        source.off('close', finish);
        waiting?.({ value: undefined, done: true });
        waiting = undefined;
    };
    const onFrame = (frame) => {
        if (waiting !== undefined) {
            const resolve = waiting;
            waiting = undefined;
            resolve({ value: frame, done: false });
        }
        else {
            newest = frame;
        }
    };
    source.on('frame', onFrame);
    source.once('error', finish);
    source.once('close', finish);
    return {
        next: () => {
            if (newest !== undefined) {
                const frame = newest;
                newest = undefined;
                return Promise.resolve({ value: frame, done: false });
            }
            if (done)
                return Promise.resolve({ value: undefined, done: true });
            return new Promise((resolve) => {
                waiting = resolve;
            });
        },
        return: () => {
            finish();
            return Promise.resolve({ value: undefined, done: true });
        },
    };
}
//# sourceMappingURL=latest-iterator.js.map