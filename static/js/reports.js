// Report charts: each <canvas data-chart-source="ID"> is drawn from the JSON in <script id="ID"> (json_script),
// with the committed Chart.js (static/vendor/chartjs). No inline script: CSP is script-src 'self'.
(() => {
  const palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"];

  function draw(canvas) {
    if (canvas.dataset.drawn || typeof window.Chart === "undefined") return;
    const source = document.getElementById(canvas.dataset.chartSource);
    if (!source) return;
    const spec = JSON.parse(source.textContent);
    const datasets = (spec.datasets || []).map((set, i) => ({
      label: set.label,
      data: set.data.map(Number),
      backgroundColor: palette[i % palette.length],
      borderColor: palette[i % palette.length],
      fill: false,
      tension: 0.2,
    }));
    canvas.dataset.drawn = "1";
    new window.Chart(canvas, {
      type: spec.type || "bar",
      data: { labels: spec.labels || [], datasets },
      options: { responsive: true, maintainAspectRatio: false, animation: false, plugins: { legend: { position: "bottom" } } },
    });
  }

  function drawAll() {
    document.querySelectorAll("canvas[data-chart-source]").forEach(draw);
  }

  document.addEventListener("DOMContentLoaded", drawAll);
  document.addEventListener("htmx:afterSettle", drawAll);
})();
