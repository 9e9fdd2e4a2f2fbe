// Small behaviours the pages share. Loaded from /static (CSP: script-src 'self'); no inline handlers.
document.documentElement.classList.add("js");

// A toast: a short note of what just happened, read out by screen readers (the region is role=status).
function crmToast(text, level) {
  const region = document.getElementById("toasts");
  if (!region || !text) return;
  const toast = document.createElement("div");
  toast.className = `toast toast-${level || "info"}`;
  toast.textContent = text;
  const close = document.createElement("button");
  close.type = "button";
  close.className = "toast-close";
  close.setAttribute("aria-label", region.dataset.closeLabel || "Close");
  close.textContent = "×";
  close.addEventListener("click", () => toast.remove());
  toast.appendChild(close);
  region.appendChild(toast);
  window.setTimeout(() => toast.remove(), level === "error" ? 10000 : 5000);
}
window.crmToast = crmToast;

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

  // Every htmx action confirms what happened: the server sends the messages it queued in an HX-Trigger
  // header (crm.middleware.HtmxResponseMiddleware) and they show as toasts.
  document.body.addEventListener("crm:toast", (event) => {
    const toasts = (event.detail && event.detail.value) || [];
    toasts.forEach((t) => crmToast(t.text, t.level));
  });
  // A failed request says so instead of doing nothing.
  document.body.addEventListener("htmx:responseError", (event) => {
    const xhr = event.detail.xhr;
    const status = xhr ? xhr.status : 0;
    const region = document.getElementById("toasts");
    const text = (region && region.dataset.errorText) || "That did not work";
    // A short plain-text answer is the reason, written for people: show it as it is.
    const type = xhr ? xhr.getResponseHeader("Content-Type") || "" : "";
    const reason = type.startsWith("text/plain") && xhr.responseText.length < 300 ? xhr.responseText : "";
    crmToast(reason || `${text} (${status})`, "error");
  });
  document.body.addEventListener("htmx:sendError", () => {
    const region = document.getElementById("toasts");
    crmToast((region && region.dataset.offlineText) || "The server could not be reached.", "error");
  });

  // The menu on a phone: one disclosure button for the sidebar.
  const toggle = document.getElementById("nav-toggle");
  const nav = document.getElementById("main-nav");
  if (toggle && nav) {
    toggle.addEventListener("click", () => {
      const open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", String(open));
      nav.classList.toggle("open", open);
      if (open) {
        const first = nav.querySelector("a");
        if (first) first.focus();
      }
    });
    nav.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && nav.classList.contains("open")) {
        toggle.click();
        toggle.focus();
      }
    });
  }

  // The top-bar search: the results list closes on Escape or a click elsewhere; Down moves into it.
  const box = document.getElementById("global-search");
  const results = document.getElementById("global-search-results");
  if (box && results) {
    const hide = () => results.replaceChildren();
    box.addEventListener("keydown", (event) => {
      if (event.key === "Escape") hide();
      if (event.key === "ArrowDown") {
        const first = results.querySelector("a");
        if (first) {
          event.preventDefault();
          first.focus();
        }
      }
    });
    results.addEventListener("keydown", (event) => {
      const links = Array.from(results.querySelectorAll("a"));
      const i = links.indexOf(document.activeElement);
      if (event.key === "Escape") {
        hide();
        box.focus();
      } else if (event.key === "ArrowDown" && i >= 0 && i < links.length - 1) {
        event.preventDefault();
        links[i + 1].focus();
      } else if (event.key === "ArrowUp" && i >= 0) {
        event.preventDefault();
        (i === 0 ? box : links[i - 1]).focus();
      }
    });
    document.addEventListener("click", (event) => {
      if (!event.target.closest("#global-search-form") && !event.target.closest("#global-search-results")) hide();
    });
  }
});
