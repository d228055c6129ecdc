// RSS bounds hold for the normal build. Under AddressSanitizer (scripts/sanitize.sh sets
// TURBOCAM_SANITIZER) every allocation carries redzones and shadow memory, which ASan documents
// as about 3x memory overhead, so the same live memory reads as a larger RSS.
export const RSS_SCALE = process.env.TURBOCAM_SANITIZER === undefined ? 1 : 3;
