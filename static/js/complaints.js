// Complaints pages. CSP: loaded from /static, no inline handlers.
document.addEventListener("DOMContentLoaded", () => {
  // Keep the board fresh while it is open (every 60 s), without a full reload.
  const board = document.getElementById("board");
  if (board && window.htmx) {
    setInterval(() => {
      if (document.visibilityState === "visible") {
        window.htmx.ajax("GET", window.location.pathname + window.location.search, { target: "#board" });
      }
    }, 60000);
  }
});
