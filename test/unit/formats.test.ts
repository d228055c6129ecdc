import { describe, expect, it } from 'vitest';
import { native } from '../../src/native.js';

describe('pixel-format table', () => {
  it('names every format of the API with its V4L2 fourcc', () => {
    const table = Object.fromEntries(native.formats.map((format) => [format.name, format.fourcc]));
    expect(table).toEqual({
      yuyv: 'YUYV',
      uyvy: 'UYVY',
      nv12: 'NV12',
      i420: 'YU12',
      rgb24: 'RGB3',
      bgr24: 'BGR3',
      grey: 'GREY',
      mjpeg: 'MJPG',
    });
  });
});
