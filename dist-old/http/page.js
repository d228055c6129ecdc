// The page at `/`: the stream at its natural size and the live state, refreshed every second.
// Relative URLs, so it works behind a reverse proxy under any prefix.
export function renderPage(title) {
    const safeTitle = title.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
    return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>turbocam: ${safeTitle}</title>
<style>
body { font: 14px system-ui, sans-serif; margin: 1em; background: #111; color: #ddd; }
img { display: block; background: #000; }
table { border-collapse: collapse; margin-top: 1em; }
td, th { padding: 2px 10px; text-align: left; border-bottom: 1px solid #333; }
a { color: #8cf; }
</style>
</head>
<body>
<h1>turbocam: ${safeTitle}</h1>
<img id="stream" src="stream" alt="live stream">
<table id="state"><tbody></tbody></table>
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
    ]);
  } catch (error) {
    show([['state', String(error)]]);
  }
  setTimeout(poll, 1000);
}
poll();
</script>
</body>
</html>
`;
}
//# sourceMappingURL=page.js.map