// The h264 part (issue 18): H.264 against MJPEG at 1280x720, 30 fps, 2 Mbit/s, each figure
// against a baseline measured in the same run. (1) Bytes per frame at equal PSNR on the same
// source frames, two scenes (h264-quality.mjs). (2) CPU per frame of each encoder present on
// those frames: OpenH264's tc-h264 thread, the JPEG worker, an M2M H.264 node when there is one.
// (3) Capture to a decoded frame in Chromium, WebRTC (WHEP) beside MJPEG (h264-latency.mjs).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { benchLatency } from './h264-latency.mjs';
import { SCENES, benchScene, codeH264, readFrames } from './h264-quality.mjs';

export async function benchH264({ quick, log, dir, width = 1280, height = 720, fps = 30, bitrateKbps = 2000 }) {
  const { h264Availability } = await import('../../dist/index.js');
  const openh264 = h264Availability('openh264');
  if (!openh264.available) throw new Error(`no OpenH264: ${openh264.reason}`);
  const frames = quick ? 60 : 150;
  const workDir = join(dir, 'h264');
  const scenes = [];
  try {
    for (const scene of Object.keys(SCENES))
      scenes.push(await benchScene(scene, { dir: workDir, width, height, fps, frames, bitrateKbps, log }));
    const motion = scenes[0];
    const m2m = h264Availability('m2m');
    let m2mRow = { encoder: 'm2m', available: false, reason: `absent: ${m2m.reason ?? 'no V4L2 M2M H.264 encoder'}` };
    if (m2m.available) {
      log(`h264: ${m2m.encoder} on the motion scene`);
      try {
        const o = { dir: workDir, scene: motion.scene, width, height, fps, bitrateKbps, encoder: 'm2m' };
        const { result, psnr, bytesPerFrame } = await codeH264(
          motion.sourceFile,
          readFrames(motion.sourceFile, frames, (width * height * 3) / 2),
          o,
        );
        const units = result.units.length;
        m2mRow = {
          encoder: m2m.encoder,
          available: true,
          msPerUnit: result.ns.h264 / units / 1e6,
          units,
          psnr: psnr.average,
          bytesPerFrame,
        };
      } catch (error) {
        m2mRow = { encoder: m2m.encoder, available: false, reason: error instanceof Error ? error.message : String(error) };
      }
    }
    const latency = await benchLatency({
      sourceFile: motion.sourceFile,
      frames,
      width,
      height,
      fps,
      bitrateKbps,
      seconds: quick ? 3 : 6,
      log,
    });
    return {
      width,
      height,
      fps,
      bitrateKbps,
      frames,
      openh264: openh264.encoder,
      scenes: scenes.map(({ sourceFile, ...scene }) => scene),
      m2m: m2mRow,
      latency,
    };
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}
