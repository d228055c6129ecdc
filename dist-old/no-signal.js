// The NO SIGNAL picture, rendered once per size at run time (no committed image): large block
// letters on dark grey, drawn into a greyscale frame and encoded by our own encoder.
import { encodeSync } from './encode.js';
// 5x7 glyphs, one string per row, '#' lit.
const GLYPHS = {
    N: ['#...#', '##..#', '#.#.#', '#..##', '#...#', '#...#', '#...#'],
    O: ['.###.', '#...#', '#...#', '#...#', '#...#', '#...#', '.###.'],
    S: ['.####', '#....', '#....', '.###.', '....#', '....#', '####.'],
    I: ['.###.', '..#..', '..#..', '..#..', '..#..', '..#..', '.###.'],
    G: ['.###.', '#...#', '#....', '#.###', '#...#', '#...#', '.###.'],
    A: ['.###.', '#...#', '#...#', '#####', '#...#', '#...#', '#...#'],
    L: ['#....', '#....', '#....', '#....', '#....', '#....', '#####'],
    ' ': ['.....', '.....', '.....', '.....', '.....', '.....', '.....'],
};
/** A JPEG of `width`x`height` saying NO SIGNAL. */
export function renderNoSignal(width, height, text = 'NO SIGNAL') {
    const w = Math.max(16, Math.floor(width));
    const h = Math.max(16, Math.floor(height));
    const pixels = Buffer.alloc(w * h, 32);
    const cellsWide = text.length * 6 - 1;
    const scale = Math.max(1, Math.floor(Math.min((w * 0.8) / cellsWide, (h * 0.3) / 7)));
    const left = Math.floor((w - cellsWide * scale) / 2);
    const top = Math.floor((h - 7 * scale) / 2);
    [...text].forEach((char, index) => {
        const glyph = GLYPHS[char] ?? GLYPHS[' '] ?? [];
        glyph.forEach((row, gy) => {
            for (let gx = 0; gx < row.length; gx += 1) {
                if (row[gx] !== '#')
                    continue;
                for (let y = 0; y < scale; y += 1) {
                    const offset = (top + gy * scale + y) * w + left + (index * 6 + gx) * scale;
                    pixels.fill(220, offset, offset + scale);
                }
            }
        });
    });
    // A copy: the encoder's output buffer belongs to its pool, and this one lives for the process.
    return Buffer.from(encodeSync(pixels, { width: w, height: h, format: 'grey', quality: 70 }));
}
//# sourceMappingURL=no-signal.js.map