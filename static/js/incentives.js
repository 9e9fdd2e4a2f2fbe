// Leaderboard charts. Data comes from a <script type="application/json"> written by json_script (CSP allows
// it: it is never executed). Re-drawn after every htmx swap of the leaderboard. Canvases carry no id on
// purpose: htmx "settles" attributes (style among them) between old and new elements of the same id, which
// would copy Chart.js's inline sizing into the new canvas and trip the CSP.
(function () {
  const charts = [];

  function draw(root) {
    const section = root.querySelector("[data-chart-source]");
    if (!section || typeof window.Chart === "undefined") return;
    const source = document.getElementById(section.dataset.chartSource);
    if (!source) return;
    const data = JSON.parse(source.textContent);
    while (charts.length) charts.pop().destroy();
    const score = section.querySelector("canvas[data-chart=score]");
    if (score) {
      charts.push(new window.Chart(score, {
        type: "line",
        data: {
          labels: data.days,
          datasets: data.series.map((s) => ({ label: s.label, data: s.data, tension: 0.2, pointRadius: 0 })),
        },
        options: { animation: false, responsive: true, plugins: { legend: { position: "bottom" } } },
      }));
    }
    const mix = section.querySelector("canvas[data-chart=mix]");
    if (mix) {
      charts.push(new window.Chart(mix, {
        type: "bar",
        data: {
          labels: data.mix.labels,
          datasets: [
            { label: "Locomotive products", data: data.mix.locomotive },
            { label: "Other products", data: data.mix.other },
          ],
        },
        options: {
          animation: false,
          responsive: true,
          scales: { x: { stacked: true }, y: { stacked: true } },
          plugins: { legend: { position: "bottom" } },
        },
      }));
    }
  }

  document.addEventListener("DOMContentLoaded", () => draw(document));
  document.addEventListener("htmx:afterSettle", (event) => draw(event.target.closest("main") || document));
})();
