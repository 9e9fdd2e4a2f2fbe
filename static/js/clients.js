// Client pages: the card's tabs (load the chosen tab, mark it selected). CSP: no inline script.
document.addEventListener("DOMContentLoaded", () => {
  const tabs = document.getElementById("card-tabs");
  const content = document.getElementById("tab-content");
  if (!tabs || !content || !window.htmx) return;
  const select = (link) => {
    tabs.querySelectorAll("a[role=tab]").forEach((a) => a.setAttribute("aria-selected", String(a === link)));
  };
  tabs.addEventListener("click", (event) => {
    const link = event.target.closest("a[role=tab]");
    if (!link) return;
    select(link);
    const url = new URL(window.location.href);
    url.searchParams.set("tab", link.dataset.tab);
    window.history.replaceState({}, "", url);
  });
  const wanted = content.dataset.initialTab || "overview";
  const first = tabs.querySelector(`a[data-tab="${wanted}"]`) || tabs.querySelector("a[role=tab]");
  if (first) {
    select(first);
    window.htmx.ajax("GET", first.getAttribute("hx-get"), { target: "#tab-content" });
  }
});
