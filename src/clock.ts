// The clock of Frame.timestamp, for every room that stamps or ages frames.

/** Milliseconds of CLOCK_MONOTONIC, the clock of V4L2 timestamps and of process.hrtime. */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
