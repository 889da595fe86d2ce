/** The console's HTML shell, rendered on the server: navigation and styles; the pages fill `<main>`. */

export const PAGES = [
  { id: 'overview', title: 'Overview' },
  { id: 'users', title: 'Users' },
  { id: 'data', title: 'Data' },
  { id: 'storage', title: 'Storage' },
  { id: 'outbox', title: 'Outbox' },
  { id: 'events', title: 'Events' },
  { id: 'requests', title: 'Requests' },
  { id: 'dashboard', title: 'Dashboard' },
] as const;

export function consolePage(): string {
  const nav = PAGES.map((p) => `<a href="#/${p.id}" data-page="${p.id}">${p.title}</a>`).join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Local cloud console</title>
<style>${STYLES}</style>
<script type="module" src="/_console/app.js"></script>
</head>
<body>
<header><strong>Local cloud</strong><span id="status" class="status" title="health">…</span><span id="reload" class="reload" hidden></span></header>
<nav>${nav}</nav>
<main id="main"><p>Loading…</p></main>
</body>
</html>
`;
}

const STYLES = `
.reload { padding: 2px 8px; border-radius: 4px; font-size: 12px; }
.reload.failed { background: #d13212; color: #fff; cursor: help; }
.reload.busy { background: #ff9900; color: #16191f; }
.reload.ok { color: #a9b7c6; }
:root { font: 14px/1.4 system-ui, sans-serif; color: #1d2330; background: #f5f6f8; }
body { margin: 0; display: grid; grid-template-columns: 160px 1fr; grid-template-rows: auto 1fr; min-height: 100vh; }
header { grid-column: 1 / 3; background: #232f3e; color: #fff; padding: 8px 16px; display: flex; gap: 16px; align-items: center; }
nav { background: #fff; border-right: 1px solid #dde; padding: 8px 0; }
nav a { display: block; padding: 6px 16px; color: #1d2330; text-decoration: none; }
nav a.active { background: #e8eefc; font-weight: 600; }
main { padding: 16px 24px; overflow: auto; }
h1 { font-size: 20px; margin: 0 0 12px; } h2 { font-size: 16px; margin: 16px 0 8px; }
table { border-collapse: collapse; background: #fff; width: 100%; margin-bottom: 12px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #e4e6eb; vertical-align: top; }
th { background: #f0f2f5; font-weight: 600; }
tr.selected td { background: #eef3ff; }
code, pre { font: 12px/1.4 ui-monospace, monospace; }
pre { background: #fff; border: 1px solid #e4e6eb; padding: 8px; overflow: auto; max-height: 320px; margin: 0; }
button { font: inherit; padding: 3px 10px; border: 1px solid #b8c0cc; background: #fff; border-radius: 4px; cursor: pointer; }
button.primary { background: #0a66d8; color: #fff; border-color: #0a66d8; }
button.danger { color: #b3261e; }
input, select, textarea { font: inherit; padding: 3px 6px; border: 1px solid #b8c0cc; border-radius: 4px; }
form, .bar { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin: 8px 0; }
.card { background: #fff; border: 1px solid #e4e6eb; border-radius: 6px; padding: 12px; margin-bottom: 12px; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(420px, 1fr)); gap: 12px; }
.status { font-size: 12px; padding: 2px 8px; border-radius: 10px; background: #555; }
.status.ok { background: #1e8e3e; } .status.down { background: #b3261e; }
.error { color: #b3261e; white-space: pre-wrap; } .muted { color: #667; } .code { font: 600 16px ui-monospace, monospace; }
.new { animation: flash 1.5s; } @keyframes flash { from { background: #fff6c2; } to { background: transparent; } }
svg.chart { background: #fff; width: 100%; height: 180px; } svg.chart text { font-size: 10px; fill: #667; }
.legend span { margin-right: 12px; font-size: 12px; } .legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; }
img.preview { max-width: 320px; max-height: 240px; border: 1px solid #e4e6eb; }
`;
