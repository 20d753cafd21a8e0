// Build step of the dashboard page: copies the page's own files and the one ECharts file
// it uses from node_modules into the output folder (argument 1, default dist/). The hub
// embeds that folder at build time and serves it at /dashboard; nothing is fetched at
// run time.
'use strict';
const fs = require('fs');
const path = require('path');

const out = path.resolve(process.argv[2] || path.join(__dirname, 'dist'));
const src = path.join(__dirname, 'src');
fs.mkdirSync(out, { recursive: true });
for (const name of ['index.html', 'dashboard.js', 'dashboard.css']) {
  fs.copyFileSync(path.join(src, name), path.join(out, name));
}
// The full minified build: line, bar and funnel charts, tooltips, legends and both
// built-in locales (EN, ZH) in one file.
const modules = process.env.NODE_MODULES || path.join(process.cwd(), 'node_modules');
fs.copyFileSync(path.join(modules, 'echarts', 'dist', 'echarts.min.js'),
  path.join(out, 'echarts.min.js'));
let total = 0;
for (const name of fs.readdirSync(out)) total += fs.statSync(path.join(out, name)).size;
console.log(`dashboard: ${fs.readdirSync(out).length} files, ${total} bytes in ${out}`);
