import type { Socket } from 'node:net';
export declare class SendBufferCap {
    private readonly fd;
    private cap;
    constructor(socket: Socket | null | undefined);
    /** Grows the cap to fit two frames of `frameBytes` (it never shrinks: frame sizes wobble). */
    fit(frameBytes: number): void;
}
