// /metrics in the Prometheus text exposition format (version 0.0.4).
import { DROP_REASONS, RAW_DROP_REASONS } from '../sources/source.js';
import { clientTotals, type ServerView } from './state.js';

type Sample = [labels: Record<string, string>, value: number];

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

type Metric = (name: string, type: 'counter' | 'gauge', help: string, samples: Sample[] | number) => void;

export function renderMetrics(view: ServerView): string {
  const lines: string[] = [];
  const base = { instance_name: view.instance };
  const metric: Metric = (name, type, help, samples) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    const list: Sample[] = typeof samples === 'number' ? [[{}, samples]] : samples;
    for (const [labels, value] of list) {
      const all = { ...base, ...labels };
      const text = Object.entries(all)
        .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
        .join(',');
      lines.push(`${name}{${text}} ${Number.isFinite(value) ? value : 0}`);
    }
  };
  const { hub } = view;
  const stats = hub.source.stats();
  const clients = [...view.clients].map((c) => c.stats());
  const totals = clientTotals(view.counters, clients);

  metric('turbocam_source_online', 'gauge', 'Whether the source delivers frames (0 while NO SIGNAL).', hub.signal ? 1 : 0);
  metric(
    'turbocam_source_paused',
    'gauge',
    'Whether the source is paused because nobody watches (captures, encodes nothing).',
    stats.paused === true ? 1 : 0,
  );
  metric('turbocam_source_desired_fps', 'gauge', 'Frames per second asked of the source.', hub.info.fps);
  metric('turbocam_source_fps', 'gauge', 'Frames per second the source delivered over the last second.', stats.fps);
  metric('turbocam_source_captured_fps', 'gauge', 'Frames per second captured.', hub.rates.captured);
  metric('turbocam_source_encoded_fps', 'gauge', 'Frames per second encoded.', hub.rates.encoded);
  metric('turbocam_source_width_pixels', 'gauge', 'Width of the frames.', hub.latest?.width ?? hub.info.width);
  metric('turbocam_source_height_pixels', 'gauge', 'Height of the frames.', hub.latest?.height ?? hub.info.height);
  metric('turbocam_frames_captured_total', 'counter', 'Frames captured by the source.', stats.captured);
  metric('turbocam_frames_encoded_total', 'counter', 'Frames encoded to JPEG.', stats.encoded);
  metric('turbocam_frames_delivered_total', 'counter', 'Frames the source handed to the server.', stats.delivered);
  metric(
    'turbocam_frames_dropped_total',
    'counter',
    'Frames the source dropped, by reason.',
    DROP_REASONS.flatMap((reason): Sample[] => {
      const value = stats.dropped[reason];
      return value === undefined ? [] : [[{ reason }, value]];
    }),
  );
  metric('turbocam_frames_repaired_total', 'counter', 'Camera MJPEG frames served after a missing EOI was appended.', stats.repaired ?? 0);
  if (stats.raw) {
    const raw = stats.raw;
    metric('turbocam_raw_frames_delivered_total', 'counter', 'Raw frames handed to JS (output raw or both).', raw.delivered);
    metric(
      'turbocam_raw_frames_dropped_total',
      'counter',
      'Raw frames dropped, by reason (busy, late, pool: every raw buffer still held, error).',
      RAW_DROP_REASONS.map((reason): Sample => [{ reason }, raw.dropped[reason]]),
    );
    metric('turbocam_raw_buffers_leased', 'gauge', 'Raw pool buffers lent to JS and not yet released.', raw.pool.leased);
  }
  metric('turbocam_encode_seconds', 'gauge', 'Mean encode time per frame.', stats.encodeMs / 1000);
  metric(
    'turbocam_frames_published_total',
    'counter',
    'Frames offered to clients (including refreshes and NO SIGNAL).',
    hub.counters.published,
  );
  metric('turbocam_frames_same_dropped_total', 'counter', 'Byte-identical frames skipped by --drop-same-frames.', hub.counters.droppedSame);
  metric('turbocam_frames_refreshed_total', 'counter', 'Newest frame re-sent to keep idle streams fresh.', hub.counters.refreshed);
  metric('turbocam_frames_no_signal_total', 'counter', 'NO SIGNAL frames sent.', hub.counters.noSignal);
  metric('turbocam_clients', 'gauge', 'Connected stream clients.', clients.length);
  metric('turbocam_client_connections_total', 'counter', 'Stream clients accepted.', view.counters.connections);
  metric('turbocam_client_rejected_total', 'counter', 'Stream clients refused by --max-clients.', view.counters.rejected);
  metric('turbocam_client_frames_sent_total', 'counter', 'Frames written to stream clients.', totals.sent);
  metric('turbocam_client_frames_dropped_total', 'counter', 'Frames stream clients skipped because they had not drained.', totals.dropped);
  metric('turbocam_client_frames_skipped_total', 'counter', 'Frames stream clients skipped under their own ?fps= cap.', totals.skipped);
  metric('turbocam_client_bytes_total', 'counter', 'JPEG bytes written to stream clients.', totals.bytes);
  const connections = view.connections?.();
  if (connections !== undefined) {
    metric('turbocam_connections_open', 'gauge', 'Open HTTP connections.', connections.open);
    metric('turbocam_connections_waiting', 'gauge', 'Open connections that have not completed a request head.', connections.waiting);
    metric(
      'turbocam_connections_budget',
      'gauge',
      'Connections held at most before the oldest without a request is pushed out.',
      connections.budget,
    );
    metric(
      'turbocam_connections_shed_total',
      'counter',
      'Connections closed before completing a request, by reason (budget, address, timeout).',
      Object.entries(connections.shed).map(([reason, value]): Sample => [{ reason }, value]),
    );
  }
  if (view.h264 !== undefined) h264Metrics(view.h264, metric);
  metric('turbocam_auth_failures_total', 'counter', 'Requests with wrong credentials.', view.authFailures);
  metric('turbocam_auth_refused_total', 'counter', 'Requests refused after too many failures.', view.authRefused);
  metric(
    'turbocam_http_requests_total',
    'counter',
    'HTTP requests by route and status.',
    [...view.counters.requests].map(([key, value]): Sample => {
      const [route = '', code = ''] = key.split(' ');
      return [{ route, code }, value];
    }),
  );
  return `${lines.join('\n')}\n`;
}

function h264Metrics({ hub, mse }: NonNullable<ServerView['h264']>, metric: Metric): void {
  const stats = hub.stats();
  const dropped = stats.producer?.dropped ?? { frames: 0, units: 0 };
  metric(
    'turbocam_h264_available',
    'gauge',
    'Whether the source can code H.264 (/state h264.reason says why not).',
    stats.available ? 1 : 0,
  );
  metric('turbocam_h264_running', 'gauge', 'Whether the H.264 stream is being coded (only while a viewer watches).', stats.running ? 1 : 0);
  metric(
    'turbocam_h264_viewers',
    'gauge',
    'H.264 viewers, by kind (webrtc, mse).',
    Object.entries(stats.viewers).map(([kind, value]): Sample => [{ kind }, value]),
  );
  metric('turbocam_h264_bitrate_bits_per_second', 'gauge', 'H.264 bitrate over the last second.', stats.bitrateKbps * 1000);
  metric('turbocam_h264_units_total', 'counter', 'H.264 access units coded.', stats.units);
  metric('turbocam_h264_keyframes_total', 'counter', 'H.264 keyframes (IDR) coded.', stats.keyframes);
  metric(
    'turbocam_h264_forced_keyframes_total',
    'counter',
    'Keyframes coded on request (a join, a PLI/FIR, a skip).',
    stats.forcedKeyframes,
  );
  metric('turbocam_h264_keyframe_requests_total', 'counter', 'Keyframe requests heard, before coalescing.', stats.keyframeRequests);
  metric('turbocam_h264_bytes_total', 'counter', 'H.264 bytes coded.', stats.bytes);
  metric('turbocam_h264_viewer_skips_total', 'counter', 'Times a lagging H.264 viewer skipped to the next keyframe.', stats.skips);
  metric('turbocam_h264_skipped_units_total', 'counter', 'Units H.264 viewers skipped waiting for a keyframe.', stats.skippedUnits);
  metric('turbocam_h264_gaps_total', 'counter', 'H.264 units lost before JS got them (sequence gaps).', stats.gaps);
  metric('turbocam_h264_dropped_total', 'counter', 'Raw frames the H.264 encoder never coded and units JS never took.', [
    [{ what: 'frames' }, dropped.frames],
    [{ what: 'units' }, dropped.units],
  ]);
  metric('turbocam_h264_encode_seconds', 'gauge', 'Mean H.264 encode time per frame.', (stats.producer?.encodeMs ?? 0) / 1000);
  metric('turbocam_h264_mse_connections_total', 'counter', 'MSE (/ws) viewers accepted.', mse.connections);
  metric('turbocam_h264_mse_bytes_total', 'counter', 'fMP4 bytes sent to MSE viewers.', mse.bytes);
}
