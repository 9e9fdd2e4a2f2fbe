// Record-purchase page: remove a line and ask the preview to refresh. No inline handlers (CSP).
document.addEventListener("DOMContentLoaded", () => {
  document.body.addEventListener("click", (event) => {
    const button = event.target.closest(".remove-line");
    if (!button) return;
    const lines = document.querySelectorAll("#lines .purchase-line");
    const line = button.closest(".purchase-line");
    if (lines.length > 1) {
      line.remove();
    } else {
      line.querySelectorAll("input").forEach((input) => { input.value = ""; });
    }
    document.body.dispatchEvent(new Event("lines-changed"));
  });
});
