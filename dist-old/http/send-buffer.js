import { native } from '../native.js';
const MIN_BYTES = 64 * 1024;
const MAX_BYTES = 8 * 1024 * 1024;
export class SendBufferCap {
    fd;
    cap = 0;
    constructor(socket) {
        const handle = socket?._handle;
        this.fd = typeof handle?.fd === 'number' && handle.fd >= 0 ? handle.fd : undefined;
    }
    /** Grows the cap to fit two frames of `frameBytes` (it never shrinks: frame sizes wobble). */
    fit(frameBytes) {
        if (this.fd === undefined)
            return;
        const wanted = Math.min(MAX_BYTES, Math.max(MIN_BYTES, frameBytes * 2));
        // Re-set only on real growth, so a steady stream costs no syscalls.
        if (wanted <= this.cap * 1.25 && this.cap !== 0)
            return;
        try {
            native.setSendBuffer(this.fd, wanted);
            this.cap = wanted;
        }
        catch {
            // A socket that refuses (already closed, not a socket) keeps the kernel's default.
            this.cap = MAX_BYTES;
        }
    }
}
//# sourceMappingURL=send-buffer.js.map