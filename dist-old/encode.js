// The encoder as JS calls it: validates arguments, then hands frames to the addon, which encodes
// on a libuv worker thread (encode) or the calling thread (encodeSync) and returns a Buffer whose
// memory is the encoder's pooled output buffer (no copy), or, while JS still holds every pooled
// buffer (they return when the GC collects their Buffers), a copy of exactly the JPEG's bytes.
import { codedError } from './errors.js';
import { native } from './native.js';
// The native table is the one list of formats.
const FORMATS = native.formats.map((format) => format.name);
const SUBSAMPLINGS = ['444', '422', '420', 'gray'];
function invalid(message) {
    return codedError('ERR_INVALID_ARG', message);
}
function checkDimension(name, value) {
    if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
        throw invalid(`${name} must be a positive integer, got ${String(value)}`);
    }
}
function checkFormat(value) {
    if (typeof value !== 'string')
        throw invalid(`format must be a string, got ${typeof value}`);
    if (!FORMATS.includes(value)) {
        throw codedError('ERR_UNSUPPORTED_FORMAT', `unknown pixel format '${value}' (one of ${FORMATS.join(', ')})`);
    }
}
function encodeArgs(frame, options) {
    if (!(frame instanceof Uint8Array))
        throw invalid('frame must be a Buffer or Uint8Array');
    if (typeof options !== 'object' || options === null)
        throw invalid('options must be an object');
    const { width, height, format, quality = 80, subsampling, stride } = options;
    checkDimension('width', width);
    checkDimension('height', height);
    checkFormat(format);
    if (typeof quality !== 'number' || !Number.isInteger(quality) || quality < 1 || quality > 100) {
        throw invalid(`quality must be an integer in 1..100, got ${String(quality)}`);
    }
    if (subsampling !== undefined && (typeof subsampling !== 'string' || !SUBSAMPLINGS.includes(subsampling))) {
        throw invalid(`subsampling must be one of ${SUBSAMPLINGS.join(', ')}, got ${String(subsampling)}`);
    }
    if (stride !== undefined)
        checkDimension('stride', stride);
    return [frame, width, height, format, quality, subsampling, stride];
}
/** Encodes one raw frame to JPEG on a native worker thread (or normalises an mjpeg frame).
 *  Do not modify `frame` until the promise settles. Rejects with a coded Error:
 *  ERR_FRAME_SIZE, ERR_UNSUPPORTED_FORMAT, ERR_INVALID_ARG, ERR_CORRUPT_FRAME. */
export async function encode(frame, options) {
    return native.encode(...encodeArgs(frame, options));
}
/** encode() on the calling thread, for scripts. */
export function encodeSync(frame, options) {
    return native.encodeSync(...encodeArgs(frame, options));
}
/** One frame of the built-in test source (colour bars, gradient, moving box, frame counter) in
 *  any raw format, at tight stride. */
export function testPattern(options) {
    if (typeof options !== 'object' || options === null)
        throw invalid('options must be an object');
    const { width, height, format, frame = 0 } = options;
    checkDimension('width', width);
    checkDimension('height', height);
    checkFormat(format);
    if (typeof frame !== 'number' || !Number.isSafeInteger(frame) || frame < 0) {
        throw invalid(`frame must be a non-negative integer, got ${String(frame)}`);
    }
    return native.testPattern(width, height, format, frame);
}
/** Counters of the encoder's output-buffer pool and of rejected mjpeg frames. */
export function encoderStats() {
    return native.encoderStats();
}
//# sourceMappingURL=encode.js.map