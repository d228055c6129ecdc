// Keeps a stream client's kernel send buffer about two frames deep. Linux autotunes it to
// megabytes on fast links, and everything in it is already stale for a viewer that stalls: capped,
// such a viewer resumes on a current frame instead of replaying seconds of backlog.
import type { Socket } from 'node:net';
import { native } from '../native.js';

const MIN_BYTES = 64 * 1024;
const MAX_BYTES = 8 * 1024 * 1024;

export class SendBufferCap {
  private readonly fd: number | undefined;
  private cap = 0;

  constructor(socket: Socket | null | undefined) {
    const handle = (socket as unknown as { _handle?: { fd?: unknown } } | null | undefined)?._handle;
    this.fd = typeof handle?.fd === 'number' && handle.fd >= 0 ? handle.fd : undefined;
  }

  /** Grows the cap to fit two frames of `frameBytes` (it never shrinks: frame sizes wobble). */
  fit(frameBytes: number): void {
    if (this.fd === undefined) return;
    const wanted = Math.min(MAX_BYTES, Math.max(MIN_BYTES, frameBytes * 2));
    // Re-set only on real growth, so a steady stream costs no syscalls.
    if (wanted <= this.cap * 1.25 && this.cap !== 0) return;
    try {
      native.setSendBuffer(this.fd, wanted);
      this.cap = wanted;
    } catch {
      // A socket that refuses (already closed, not a socket) keeps the kernel's default.
      this.cap = MAX_BYTES;
    }
  }
}
