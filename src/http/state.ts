// What /state and /metrics report, gathered in one place. The /state JSON follows µStreamer's
// `{ ok, result: { source, stream } }` shape so tooling written for it finds familiar fields.
import type { H264Hub } from '../h264/hub.js';
import type { FrameHub } from '../hub.js';
import type { ConnectionStats } from './connection-guard.js';
import type { MjpegClientStats, MjpegWriter } from './mjpeg-writer.js';

/** A stream route's counters (the built-in server's, or an mjpegHandler's). */
export interface StreamCounters {
  /** Frames, drops and bytes of clients that have left (live ones are summed on demand). */
  goneSent: number;
  goneDropped: number;
  goneSkipped: number;
  goneBytes: number;
  connections: number;
  rejected: number;
}

export interface ServerCounters extends StreamCounters {
  requests: Map<string, number>;
}

/** The MSE route's counters. */
export interface MseCounters {
  connections: number;
  rejected: number;
  /** Bytes of init segments and fragments sent, those of viewers gone included. */
  bytes: number;
}

export interface ServerView {
  instance: string;
  hub: FrameHub;
  clients: ReadonlySet<MjpegWriter>;
  counters: ServerCounters;
  authFailures: number;
  authRefused: number;
  startedAt: number;
  /** Open and shed connections, from the connection guard once the server exists. */
  connections?: () => ConnectionStats;
  /** The H.264 hub and the MSE route's counters. */
  h264?: { hub: H264Hub; mse: MseCounters };
}

/** The counters of every stream client, those gone included. */
export type ClientTotals = Pick<MjpegClientStats, 'sent' | 'dropped' | 'skipped' | 'bytes'>;

export function clientTotals(counters: StreamCounters, live: MjpegClientStats[]): ClientTotals {
  const { goneSent, goneDropped, goneSkipped, goneBytes } = counters;
  const totals = { sent: goneSent, dropped: goneDropped, skipped: goneSkipped, bytes: goneBytes };
  for (const client of live) {
    totals.sent += client.sent;
    totals.dropped += client.dropped;
    totals.skipped += client.skipped;
    totals.bytes += client.bytes;
  }
  return totals;
}

export function buildState(view: ServerView): object {
  const { hub } = view;
  const info = hub.info;
  const stats = hub.source.stats();
  const latest = hub.latest;
  const clients = [...view.clients].map((client) => client.stats());
  const totals = clientTotals(view.counters, clients);
  return {
    ok: true,
    result: {
      instance: view.instance,
      uptime_s: Math.round((Date.now() - view.startedAt) / 1000),
      source: {
        kind: info.kind,
        name: info.name,
        online: hub.signal,
        paused: stats.paused === true,
        error: hub.error === undefined ? null : { code: (hub.error as { code?: string }).code ?? 'ERROR', message: hub.error.message },
        format: info.format,
        subsampling: info.subsampling ?? null,
        resolution: { width: latest?.width ?? info.width, height: latest?.height ?? info.height },
        orientation: info.orientation ?? null,
        desired_fps: info.fps,
        captured_fps: hub.rates.captured,
        encoded_fps: hub.rates.encoded,
        delivered_fps: Math.round(stats.fps * 10) / 10,
        captured: stats.captured,
        encoded: stats.encoded,
        delivered: stats.delivered,
        dropped: stats.dropped,
        repaired: stats.repaired ?? 0,
        encode_ms: stats.encodeMs,
        encoder: stats.encoder ?? null,
      },
      h264: view.h264 === undefined ? null : h264State(view.h264),
      stream: {
        queued_fps: sentFps(clients, stats.fps),
        sequence: latest?.sequence ?? null,
        published: hub.counters.published,
        dropped_same: hub.counters.droppedSame,
        refreshed: hub.counters.refreshed,
        no_signal: hub.counters.noSignal,
        clients: clients.length,
        sent: totals.sent,
        dropped: totals.dropped,
        bytes: totals.bytes,
        clients_stat: Object.fromEntries(
          clients.map((c) => [
            String(c.id),
            {
              address: c.address,
              key: c.key ?? null,
              fps: c.fps,
              fps_cap: c.fpsCap,
              sent: c.sent,
              dropped: c.dropped,
              skipped_by_fps_cap: c.skipped,
              bytes: c.bytes,
              connected_s: Math.round((Date.now() - c.connectedAt) / 1000),
            },
          ]),
        ),
      },
    },
  };
}

// The rate frames are handed to clients: the best client's rate, or the source's with none.
function sentFps(clients: MjpegClientStats[], sourceFps: number): number {
  if (clients.length === 0) return sourceFps;
  return Math.max(...clients.map((c) => c.fps));
}

/** /state's h264 section: whether it can be had (and if not why, with the remedy), and the stream's counters. */
function h264State({ hub, mse }: NonNullable<ServerView['h264']>): object {
  const availability = hub.availability;
  const stats = hub.stats();
  return {
    available: availability.available,
    encoder: availability.encoder,
    reason: availability.reason ?? null,
    running: stats.running,
    viewers: stats.viewers,
    bitrate_kbps: stats.bitrateKbps,
    units: stats.units,
    keyframes: stats.keyframes,
    forced_keyframes: stats.forcedKeyframes,
    keyframe_requests: stats.keyframeRequests,
    keyframe_requests_forwarded: stats.keyframeRequestsForwarded,
    bytes: stats.bytes,
    skips: stats.skips,
    skipped_units: stats.skippedUnits,
    gaps: stats.gaps,
    dropped: stats.producer?.dropped ?? { frames: 0, units: 0 },
    encode_ms: stats.producer?.encodeMs ?? 0,
    error: stats.error,
    mse: { connections: mse.connections, rejected: mse.rejected, bytes: mse.bytes },
  };
}
