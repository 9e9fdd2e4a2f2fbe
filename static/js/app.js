// Small behaviours the pages share. Loaded from /static (CSP: script-src 'self'); no inline handlers.
document.addEventListener("DOMContentLoaded", () => {
  // Elements with data-autosubmit submit their form on change (filters, selects).
  document.body.addEventListener("change", (event) => {
    const el = event.target.closest("[data-autosubmit]");
    if (el && el.form) el.form.requestSubmit();
  });
  // Buttons with data-confirm ask before submitting.
  document.body.addEventListener("click", (event) => {
    const el = event.target.closest("[data-confirm]");
    if (el && !window.confirm(el.dataset.confirm)) event.preventDefault();
  });
});
