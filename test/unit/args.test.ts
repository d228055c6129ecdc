import { describe, expect, it } from 'vitest';
import { parseCli } from '../../src/cli/args.js';

describe('parseCli', () => {
  it('has working defaults', () => {
    const config = parseCli([]);
    expect(config).toMatchObject({
      source: undefined,
      width: 640,
      height: 480,
      fps: 30,
      format: 'auto',
      quality: 80,
      subsampling: '420',
      port: undefined,
      host: undefined,
      maxClients: 0,
      dropSameFrames: 0,
      deviceTimeoutMs: 5000,
      pauseAfterMs: 3000,
      clientTimeoutMs: 10_000,
      serverTimeoutMs: 10_000,
      maxPendingPerAddress: 16,
      allowTruncatedFrames: false,
      logLevel: 'info',
    });
  });

  it('reads every flag', () => {
    const config = parseCli([
      '--device',
      '/dev/video2',
      '-r',
      '1920x1080',
      '--fps',
      '60',
      '--format',
      'yuyv',
      '-q',
      '90',
      '--subsampling',
      '422',
      '--workers',
      '3',
      '--buffers',
      '6',
      '--input',
      '3',
      '-c',
      'brightness=140',
      '--control',
      'exposure_auto=false',
      '--persistent',
      '--device-timeout',
      '2.5',
      '--pause-after',
      '0.5',
      '--host',
      '0.0.0.0',
      '-p',
      '9000',
      '--unix',
      '/run/cam.sock',
      '--auth',
      'u:p:q',
      '--auth-file',
      '/etc/users',
      '--allow-origin',
      '*',
      '--max-clients',
      '20',
      '--drop-same-frames=30',
      '--client-timeout',
      '4',
      '--instance',
      'cam1',
      '--log-level',
      'debug',
      '--server-timeout',
      '2.5',
      '--max-pending-per-address',
      '0',
      '--allow-truncated-frames',
    ]);
    expect(config).toMatchObject({
      source: '/dev/video2',
      width: 1920,
      height: 1080,
      fps: 60,
      format: 'yuyv',
      quality: 90,
      subsampling: '422',
      workers: 3,
      buffers: 6,
      input: 3,
      controls: { brightness: 140, exposure_auto: 0 },
      persistent: true,
      deviceTimeoutMs: 2500,
      pauseAfterMs: 500,
      host: '0.0.0.0',
      port: 9000,
      unix: '/run/cam.sock',
      auth: 'u:p:q',
      authFile: '/etc/users',
      allowOrigin: '*',
      maxClients: 20,
      dropSameFrames: 30,
      clientTimeoutMs: 4000,
      instance: 'cam1',
      logLevel: 'debug',
      serverTimeoutMs: 2500,
      maxPendingPerAddress: 0,
      allowTruncatedFrames: true,
    });
  });

  it('reads the H.264 flags; none turns H.264 off', () => {
    expect(parseCli([]).h264).toEqual({ encoder: 'auto' });
    const args = ['--h264-encoder', 'm2m', '--h264-bitrate', '800', '--h264-keyframe-interval', '90', '--h264-device', '/dev/video11'];
    expect(parseCli(args).h264).toEqual({ encoder: 'm2m', bitrateKbps: 800, keyframeInterval: 90, device: '/dev/video11' });
    expect(parseCli(['--h264-encoder', 'none', '--h264-bitrate', '800']).h264).toBe(false);
  });

  it.each([
    [['--fps', '0'], /--fps/],
    [['--resolution', '0x480'], /--resolution/],
    [['--resolution', 'axb'], /--resolution/],
    [['--workers', '1.5'], /--workers/],
    [['--buffers', '1'], /--buffers/],
    [['--input', '-1'], /--input/],
    [['--device-timeout', 'soon'], /--device-timeout/],
    [['--pause-after', '0'], /--pause-after/],
    [['--server-timeout', '-1'], /--server-timeout/],
    [['--max-pending-per-address', 'many'], /--max-pending-per-address/],
    [['--source', 'a', '--device', 'b'], /--source and --device/],
    [['--port'], /--port/],
    [['--subsampling', '411'], /--subsampling/],
    [['--h264-encoder', 'x264'], /--h264-encoder/],
    [['--h264-bitrate', '10'], /--h264-bitrate/],
    [['--h264-keyframe-interval', '0'], /--h264-keyframe-interval/],
    [['--h264-device', ''], /--h264-device/],
    [['-x'], /-x/],
  ])('refuses %j naming the flag', (args, pattern) => {
    expect(() => parseCli(args)).toThrow(pattern);
    try {
      parseCli(args);
    } catch (error) {
      expect((error as { code?: string }).code).toBe('ERR_BAD_FLAG');
    }
  });
});
