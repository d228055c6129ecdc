#!/usr/bin/env node
// The turbocam command: flags -> source -> server, with clean shutdown on SIGINT / SIGTERM.
// Heavy modules (the native addon) load only once the flags are known good, so --help,
// --version and flag errors answer even where the addon is not built.
import { chmodSync, existsSync, readFileSync } from 'node:fs';
import { isCodedError, TurbocamError } from '../errors.js';
import { sourceControls, type FrameSource } from '../sources/source.js';
import { parseCli, USAGE, type CliConfig } from './args.js';
import { createLog } from './log.js';

const ENDPOINTS: Array<[string, string]> = [
  ['', 'page'],
  ['stream', 'MJPEG stream'],
  ['snapshot', 'JPEG snapshot'],
  ['state', 'JSON state'],
  ['metrics', 'Prometheus metrics'],
];

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function describeError(error: unknown, fallbackPath: string): string {
  if (isCodedError(error)) {
    const e = error;
    const path = e.path ?? fallbackPath;
    // Native messages usually name the device already ("cannot open /dev/video0: ..."): say it once.
    if (path === '' || e.message.includes(path)) return `${e.code}: ${e.message}`;
    return `${e.code}: ${path}: ${e.message}`;
  }
  return error instanceof Error ? error.message : String(error);
}

async function openSource(config: CliConfig, log: ReturnType<typeof createLog>): Promise<FrameSource> {
  let source = config.source;
  if (source === undefined) {
    source = existsSync('/dev/video0') ? '/dev/video0' : 'testsrc';
    log(
      'info',
      source === 'testsrc' ? 'no /dev/video0: streaming the test pattern (choose a source with --source)' : 'streaming /dev/video0',
    );
  }
  if (/^https?:\/\//i.test(source)) {
    const { openRelay } = await import('../sources/relay.js');
    return openRelay({ url: source, persistent: config.persistent, timeoutMs: config.deviceTimeoutMs });
  }
  const { openCamera } = await import('../camera.js');
  const options: Parameters<typeof openCamera>[0] = {
    source,
    width: config.width,
    height: config.height,
    fps: config.fps,
    quality: config.quality,
    encoder: config.encoder,
    subsampling: config.subsampling,
    controls: config.controls,
    persistent: config.persistent,
    deviceTimeout: config.deviceTimeoutMs,
    retryInterval: config.retryIntervalMs,
    allowTruncatedFrames: config.allowTruncatedFrames,
    h264: config.h264,
  };
  // `auto` is the Camera's own default, and pipes pick theirs (mjpeg) only when none is given.
  if (config.format !== 'auto') options.format = config.format;
  if (config.workers !== undefined) options.workers = config.workers;
  if (config.buffers !== undefined) options.buffers = config.buffers;
  if (config.input !== undefined) options.input = config.input;
  if (config.encoderDevice !== undefined) options.encoderDevice = config.encoderDevice;
  if (config.rotate !== 0) options.rotate = config.rotate;
  if (config.flip !== undefined) options.flip = config.flip;
  const camera = await openCamera(options);
  camera.on('warning', (warning: Error) => log('warn', warning.message));
  return camera;
}

// Viewers need descriptors: the soft limit is often 1024 (systemd, login shells) while the hard
// one allows far more. Node itself raises it at start-up; this also covers runtimes that do not,
// and says so when it cannot, since the connection budget follows the soft limit.
async function raiseFileLimit(log: ReturnType<typeof createLog>): Promise<void> {
  const { native } = await import('../native.js');
  const { budgetFor } = await import('../http/connection-guard.js');
  const limit = native.fileLimit(true);
  const budget = budgetFor(limit.soft);
  if (limit.soft < limit.hard) {
    log(
      'warn',
      `cannot raise the open-file limit: soft ${limit.soft}, hard ${limit.hard} (${limit.raiseError?.message ?? 'refused'}); at most ${budget} connections`,
    );
  } else {
    log('debug', `open-file limit: soft ${limit.soft}, hard ${limit.hard}; at most ${budget} connections`);
  }
}

async function listDevices(): Promise<void> {
  const { listDevices: list } = await import('../camera.js');
  const devices = await list();
  if (devices.length === 0) console.log('no V4L2 capture devices');
  for (const device of devices) {
    console.log(`${device.path}: ${device.name} (${device.driver}, ${device.bus})`);
    for (const format of device.formats) {
      const sizes = format.sizes.map((s) => `${s.width}x${s.height}${s.fps.length > 0 ? `@${s.fps.join('/')}` : ''}`).join(' ');
      console.log(`  ${format.format} (${format.fourcc}, ${format.description}): ${sizes}`);
    }
  }
}

async function listControls(source: FrameSource): Promise<void> {
  const controls = sourceControls(source);
  // A relay has no controls object; testsrc and pipes have one that throws the same error.
  if (controls === undefined) throw new TurbocamError('ERR_NO_CONTROLS', `${source.info.name} has no controls (not a V4L2 device)`);
  for (const c of await controls.list()) {
    const menu =
      c.menu === undefined
        ? ''
        : ` {${Object.entries(c.menu)
            .map(([k, v]) => `${k}: ${v}`)
            .join(', ')}}`;
    console.log(`${c.name} (${c.type}) ${c.min}..${c.max} step ${c.step} default ${c.default} value ${c.value ?? '-'}${menu}`);
  }
}

// Read before start-up: a parent that dies while the device opens must still count as gone.
const launchedBy = process.ppid;

async function main(argv: string[]): Promise<number> {
  let config: CliConfig;
  try {
    config = parseCli(argv);
  } catch (error) {
    process.stderr.write(`turbocam: ${error instanceof Error ? error.message : String(error)} (see turbocam --help)\n`);
    return 2;
  }
  if (config.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (config.version) {
    console.log(version());
    return 0;
  }
  const log = createLog(config.logLevel, config.instance === undefined ? '' : `[${config.instance}] `);
  if (config.listDevices) {
    await listDevices();
    return 0;
  }

  const { parseCredential, readAuthFile } = await import('../http/auth.js');
  const credentials = [];
  try {
    if (config.auth !== undefined) credentials.push(parseCredential(config.auth));
    if (config.authFile !== undefined) credentials.push(...readAuthFile(config.authFile));
  } catch (error) {
    process.stderr.write(`turbocam: --auth-file: ${describeError(error, config.authFile ?? '')} (see turbocam --help)\n`);
    return 2;
  }

  // Loading the server while the source opens saves start-up time.
  const serverModule = import('../http/server.js');
  let source: FrameSource;
  try {
    source = await openSource(config, log);
  } catch (error) {
    process.stderr.write(`turbocam: ${describeError(error, config.source ?? '/dev/video0')}\n`);
    return 1;
  }
  if (config.listControls) {
    try {
      await listControls(source);
      return 0;
    } catch (error) {
      process.stderr.write(`turbocam: ${describeError(error, source.info.name)}\n`);
      return 1;
    } finally {
      await source.close();
    }
  }

  if ((config.controlDefaults.length > 0 || config.imageDefault) && source.connected === false) {
    log('warn', `${source.info.name} is not open yet: controls keep their current values`);
  } else if (config.controlDefaults.length > 0 || config.imageDefault) {
    try {
      const { applyControlDefaults } = await import('./control-defaults.js');
      const reset = await applyControlDefaults(source, config.controlDefaults, config.imageDefault, Object.keys(config.controls));
      if (reset.length > 0) log('info', `controls reset to their defaults: ${reset.join(', ')}`);
    } catch (error) {
      process.stderr.write(`turbocam: ${describeError(error, source.info.name)}\n`);
      await source.close();
      return 1;
    }
  }

  const { createServer } = await serverModule;
  await raiseFileLimit(log);
  const { Camera } = await import('../camera.js');
  const camera = source instanceof Camera ? source : undefined;
  const server = createServer({
    source,
    // The server is the CLI camera's only reader: its frames go back to the pool as soon as the
    // clients have them, not when V8 collects them (which costs a mark-compact every few dozen).
    giveBack: camera && ((frame) => camera.giveBack(frame)),
    auth: credentials,
    allowOrigin: config.allowOrigin,
    allowControls: config.allowControls,
    staticDir: config.staticDir,
    maxClients: config.maxClients,
    stallTimeoutMs: config.clientTimeoutMs,
    serverTimeoutMs: config.serverTimeoutMs,
    maxPendingPerAddress: config.maxPendingPerAddress,
    dropSameFrames: config.dropSameFrames,
    pauseAfterMs: config.pauseAfterMs,
    instance: config.instance ?? source.info.name,
    log,
  });
  let urls: string[];
  try {
    const listen: Parameters<typeof server.listen>[0] = {};
    if (config.host !== undefined) listen.host = config.host;
    if (config.port !== undefined) listen.port = config.port;
    if (config.unix !== undefined) listen.unix = config.unix;
    if (config.rtspPort !== undefined) listen.rtspPort = config.rtspPort;
    urls = await server.listen(listen);
    if (config.unix !== undefined && config.unixMode !== undefined) chmodSync(config.unix, config.unixMode);
  } catch (error) {
    process.stderr.write(`turbocam: ${describeError(error, config.host ?? '127.0.0.1')}\n`);
    await server.close();
    await source.close();
    return 1;
  }
  const info = source.info;
  const encoder = source.stats().encoder;
  const by = encoder === undefined ? '' : encoder.device === null ? ` on the CPU: ${encoder.reason}` : ` by ${encoder.reason}`;
  const how = info.format === 'mjpeg' ? 'MJPEG passed through' : `${info.format} encoded to JPEG${by}`;
  if (source.connected === false) {
    console.log(`turbocam: waiting for ${info.name} (persistent): NO SIGNAL until it opens`);
  } else {
    console.log(`turbocam: streaming ${info.name} ${info.width}x${info.height}${info.fps > 0 ? ` at ${info.fps} fps` : ''} (${how})`);
  }
  for (const base of urls) {
    for (const [path, what] of ENDPOINTS) console.log(`  ${`${base}${path}`.padEnd(40)} ${what}`);
  }
  if (server.rtspUrl !== undefined) console.log(`  ${server.rtspUrl.padEnd(40)} the H.264 stream over RTSP`);

  return new Promise<number>((resolve) => {
    let stopping = false;
    const statsTimer = setInterval(() => {
      const s = source.stats();
      log(
        'debug',
        `stats: ${s.fps} fps, captured ${s.captured}, encoded ${s.encoded}, delivered ${s.delivered}, dropped ${JSON.stringify(s.dropped)}, encode ${s.encodeMs.toFixed(2)} ms, clients ${server.clientCount}`,
      );
    }, 5000);
    statsTimer.unref();
    const stop = (why: string, code: number): void => {
      if (stopping) {
        // A second Ctrl-C: the user wants out now.
        process.exit(130);
      }
      stopping = true;
      log('info', `${why}: shutting down`);
      // A wedged device must not hold the exit up past a second.
      const force = setTimeout(() => {
        log('warn', 'shutdown took too long; exiting anyway');
        process.exit(code);
      }, 900);
      force.unref();
      void (async () => {
        await server.close();
        await source.close();
        clearInterval(statsTimer);
        resolve(code);
      })();
    };
    if (config.exitOnParentDeath) {
      setInterval(() => {
        if (process.ppid !== launchedBy) stop('parent process gone', 0);
      }, 500).unref();
    }
    process.on('SIGINT', () => stop('SIGINT', 0));
    process.on('SIGTERM', () => stop('SIGTERM', 0));
    server.hub.on('error', (error: Error) => {
      process.stderr.write(`turbocam: ${describeError(error, info.name)}\n`);
      stop('source failed', 1);
    });
    server.hub.on('signal', (signal: boolean) =>
      log(signal ? 'info' : 'warn', signal ? `${info.name}: signal back` : `${info.name}: no signal`),
    );
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Nothing should be left, but a lingering handle must not keep a stopped server alive.
    setTimeout(() => process.exit(code), 100).unref();
  },
  (error: unknown) => {
    process.stderr.write(`turbocam: ${describeError(error, '')}\n`);
    process.exit(1);
  },
);
