// The page at `/`: the stream at its natural size and the live state, refreshed every second.
// Relative URLs, so it works behind a reverse proxy under any prefix. With control writes allowed
// it also shows the camera's controls as sliders, checkboxes and menus that POST /controls. When
// the source codes H.264 the player (player.ts) tries WebRTC, then MSE, then MJPEG; otherwise the
// page is MJPEG alone and says why.
import type { H264Availability } from '../sources/h264-source.js';
import { PLAYER_SCRIPT } from './player.js';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function renderPage(title: string, options: { controls?: boolean; h264?: H264Availability } = {}): string {
  const safeTitle = escapeHtml(title);
  const h264 = options.h264?.available === true;
  const media = h264
    ? '<p id="transport">starting</p>\n<video id="video" muted autoplay playsinline hidden></video>\n<img id="stream" alt="live stream" hidden>'
    : `<p id="transport" data-transport="mjpeg">MJPEG (H.264 unavailable: ${escapeHtml(options.h264?.reason ?? 'not offered')})</p>\n<img id="stream" src="stream" alt="live stream">`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>turbocam: ${safeTitle}</title>
<style>
body { font: 14px system-ui, sans-serif; margin: 1em; background: #111; color: #ddd; }
img, video { display: block; background: #000; }
[hidden] { display: none; }
#transport { color: #9a9; }
table { border-collapse: collapse; margin-top: 1em; }
td, th { padding: 2px 10px; text-align: left; border-bottom: 1px solid #333; }
a { color: #8cf; }
#controls label { display: grid; grid-template-columns: 14em 16em 4em; gap: 8px; align-items: center; margin: 2px 0; }
#controls-error { color: #f88; }
</style>
</head>
<body>
<h1>turbocam: ${safeTitle}</h1>
${media}
${options.controls === true ? '<form id="controls" onsubmit="return false"></form>\n<p id="controls-error"></p>\n' : ''}<table id="state"><tbody></tbody></table>
<p><a href="snapshot">snapshot</a> · <a href="state">state</a> · <a href="metrics">metrics</a></p>
<script>
const rows = document.querySelector('#state tbody');
function show(pairs) {
  rows.replaceChildren(...pairs.map(([name, value]) => {
    const row = document.createElement('tr');
    const th = document.createElement('th');
    const td = document.createElement('td');
    th.textContent = name;
    td.textContent = value;
    row.append(th, td);
    return row;
  }));
}
async function poll() {
  try {
    const state = (await (await fetch('state', { cache: 'no-store' })).json()).result;
    const s = state.source;
    show([
      ['source', (s.kind === s.name ? s.name : s.kind + ' ' + s.name) + (s.online ? '' : ' (NO SIGNAL)')],
      ['format', s.format + ' ' + s.resolution.width + 'x' + s.resolution.height],
      ['fps', 'desired ' + s.desired_fps + ', captured ' + s.captured_fps.toFixed(1) + ', encoded ' + s.encoded_fps.toFixed(1) + ', sent ' + state.stream.queued_fps.toFixed(1)],
      ['sequence', String(state.stream.sequence)],
      ['clients', String(state.stream.clients)],
      ...(state.h264 && state.h264.available
        ? [['h264', (state.h264.running ? (state.h264.bitrate_kbps + ' kbit/s, ') : 'idle, ') + state.h264.viewers.webrtc + ' WebRTC, ' + state.h264.viewers.mse + ' MSE viewers']]
        : []),
    ]);
  } catch (error) {
    show([['state', String(error)]]);
  }
  setTimeout(poll, 1000);
}
poll();
${options.controls === true ? CONTROLS_SCRIPT : ''}${h264 ? PLAYER_SCRIPT : ''}</script>
</body>
</html>
`;
}

const CONTROLS_SCRIPT = `const form = document.querySelector('#controls');
const problem = document.querySelector('#controls-error');
async function setControl(name, value, shown) {
  const answer = await fetch('controls', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ [name]: value }) });
  const body = await answer.json();
  problem.textContent = body.ok ? '' : body.error.message;
  if (body.ok && shown) shown.textContent = String(body.result[name]);
}
function controlRow(c) {
  const label = document.createElement('label');
  const name = document.createElement('span');
  const shown = document.createElement('output');
  name.textContent = c.name;
  shown.textContent = c.value === null ? '' : String(c.value);
  let input;
  if (c.type === 'boolean') {
    input = document.createElement('input');
    input.type = 'checkbox';
    input.checked = c.value === 1;
    input.onchange = () => setControl(c.name, input.checked, shown);
  } else if (c.menu !== null) {
    input = document.createElement('select');
    for (const item of c.menu) input.add(new Option(item.name, String(item.value), false, item.value === c.value));
    input.onchange = () => setControl(c.name, Number(input.value), shown);
  } else if (c.type === 'button') {
    input = document.createElement('button');
    input.textContent = 'press';
    input.onclick = () => setControl(c.name, 1, null);
  } else {
    input = document.createElement('input');
    input.type = 'range';
    input.min = String(c.min);
    input.max = String(c.max);
    input.step = String(c.step || 1);
    input.value = String(c.value);
    input.oninput = () => (shown.textContent = input.value);
    input.onchange = () => setControl(c.name, Number(input.value), shown);
  }
  input.name = c.name;
  input.disabled = c.read_only;
  label.append(name, input, shown);
  return label;
}
fetch('controls', { cache: 'no-store' }).then((answer) => answer.json()).then((body) => {
  if (!body.ok) throw new Error(body.error.message);
  const settable = body.result.controls.filter((c) => ['integer', 'boolean', 'menu', 'integer_menu', 'button', 'integer64'].includes(c.type));
  form.replaceChildren(...settable.map(controlRow));
}).catch((error) => (problem.textContent = String(error)));
`;
