import * as fs from "node:fs";
import * as path from "node:path";

/**
 * `out/compare.html`: one self-contained page that opens offline. Chart.js is inlined from
 * node_modules, the data is embedded as JSON, and nothing is fetched.
 */
export interface PageSeries {
    stack: string;
    /** [seconds since the upload started, value] */
    written: Array<[number, number]>;
    iteratorAgeMs: Array<[number, number]>;
}

export interface ComparePage {
    title: string;
    subtitle: string;
    /** Said once for the whole page, under the subtitle: the time scale, the headroom, a CPU-bound warning. */
    facts: string[];
    /** The header row, then one row per line of the table. */
    table: string[][];
    series: PageSeries[];
    notes: string[];
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
/** JSON inside <script> must not be able to close the element. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, "\\u003c");

export function renderComparePage(page: ComparePage): string {
    // The UMD build defines window.Chart; chart.js doesn't export its path, but it sits beside the main file.
    const chartJs = fs.readFileSync(path.join(path.dirname(require.resolve("chart.js")), "chart.umd.js"), "utf8");
    const [header, ...rows] = page.table;
    const table = [
        `<tr>${header.map((cell) => `<th>${escapeHtml(cell)}</th>`).join("")}</tr>`,
        ...rows.map((row) => `<tr>${row.map((cell, index) => (index === 0 ? `<th>${escapeHtml(cell)}</th>` : `<td>${escapeHtml(cell)}</td>`)).join("")}</tr>`),
    ].join("\n");
    return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(page.title)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1200px}
h1{font-size:22px;margin:0 0 4px}p.sub{color:#555;margin:0 0 16px}
.charts{display:grid;grid-template-columns:1fr 1fr;gap:16px;margin-bottom:20px}
.chart{border:1px solid #ddd;border-radius:6px;padding:8px;height:300px}
table{border-collapse:collapse;font-size:13px}th,td{border:1px solid #ddd;padding:4px 8px;text-align:right}
tr th:first-child{text-align:left;background:#f6f6f6}ul{color:#555;font-size:13px}
p.fact{margin:0 0 6px;font-size:14px}p.warn{margin:0 0 6px;font-size:14px;color:#a40000;font-weight:600}
</style></head><body>
<h1>${escapeHtml(page.title)}</h1><p class="sub">${escapeHtml(page.subtitle)}</p>
${page.facts.map((fact) => `<p class="${fact.startsWith("⚠") ? "warn" : "fact"}">${escapeHtml(fact)}</p>`).join("\n")}
<div class="charts"><div class="chart"><canvas id="written"></canvas></div><div class="chart"><canvas id="age"></canvas></div></div>
<table>${table}</table>
<ul>${page.notes.map((note) => `<li>${escapeHtml(note)}</li>`).join("")}</ul>
<script>${chartJs}</script>
<script>
const series = ${scriptJson(page.series)};
const colors = ["#1f77b4","#d62728","#2ca02c","#ff7f0e","#9467bd","#8c564b"];
function chart(id, key, title, yTitle) {
  new Chart(document.getElementById(id), {
    type: "line",
    data: { datasets: series.map((s, i) => ({ label: s.stack, data: s[key].map(([x, y]) => ({ x, y })), borderColor: colors[i % colors.length], pointRadius: 0, borderWidth: 2 })) },
    options: { animation: false, maintainAspectRatio: false, parsing: false,
      plugins: { title: { display: true, text: title } },
      scales: { x: { type: "linear", title: { display: true, text: "seconds since upload (AWS time)" } }, y: { beginAtZero: true, title: { display: true, text: yTitle } } } }
  });
}
chart("written", "written", "Records written over time", "records");
chart("age", "iteratorAgeMs", "Iterator age over time", "ms");
</script></body></html>
`;
}
