// Reads a JPEG's dimensions from its SOF marker without decoding it.
export function jpegSize(data) {
    if (data.length < 4 || data[0] !== 0xff || data[1] !== 0xd8)
        return undefined;
    let offset = 2;
    while (offset + 9 < data.length) {
        if (data[offset] !== 0xff)
            return undefined;
        const marker = data[offset + 1] ?? 0;
        if (marker === 0xff) {
            offset += 1;
            continue;
        }
        const length = data.readUInt16BE(offset + 2);
        // SOF0..SOF15 except DHT (c4), JPG (c8) and DAC (cc).
        if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
            return { height: data.readUInt16BE(offset + 5), width: data.readUInt16BE(offset + 7) };
        }
        if (marker === 0xda)
            return undefined;
        offset += 2 + length;
    }
    return undefined;
}
//# sourceMappingURL=jpeg-info.js.map