// The technician's order page: a live page that never loses work.
// - Polls the order's version every 15 s (data-live on #order-head). When it changed (the customer approved
//   the quote, the dispatcher moved the order) the page reloads, unless a form on it is being filled in:
//   then a banner "订单有更新" offers the refresh, and nothing typed is thrown away.
// - The completion form is checked before it is sent (the customer's signature), so the photos chosen stay.
// - A signature kept by a refused form is drawn back on the pad.
(function () {
  "use strict";
  const POLL_MS = 15000;
  let dirty = false;

  function formsDirty() {
    return dirty || !!document.getElementById("form-errors");
  }

  function markDirty(event) {
    if (event.target.closest && event.target.closest("form")) dirty = true;
  }

  // the order's own address (a refused form is shown at its POST address: no resubmission)
  function reload() {
    const head = document.querySelector("[data-page]");
    if (head && window.location.pathname !== head.dataset.page) window.location.assign(head.dataset.page);
    else window.location.reload();
  }

  function showBanner() {
    const banner = document.getElementById("live-banner");
    if (banner) banner.hidden = false;
  }

  function poll(head) {
    const url = head.dataset.live;
    const seen = head.dataset.version;
    if (document.hidden) return;
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" }, cache: "no-store" })
      .then((response) => (response.ok ? response.json() : null))
      .then((body) => {
        if (!body || String(body.version) === String(seen)) return;
        if (formsDirty()) {
          showBanner();
          const status = document.getElementById("order-status");
          if (status && body.status_text) status.textContent = body.status_text;
        } else {
          reload();
        }
      })
      .catch(() => {});
  }

  function checkCompletion(form) {
    form.addEventListener("submit", (event) => {
      const field = form.querySelector('[name="signature"]');
      const error = document.getElementById("signature-error");
      if (field && !field.value) {
        event.preventDefault();
        if (error) {
          error.textContent = error.dataset.message || error.textContent;
          error.hidden = false;
          error.scrollIntoView({ block: "center" });
        }
      } else if (error) {
        error.hidden = true;
      }
    });
  }

  function redrawSignature() {
    document.querySelectorAll("canvas.signature").forEach((canvas) => {
      const field = document.getElementById(canvas.dataset.field);
      if (!field || !field.value.startsWith("data:image/png;base64,")) return;
      const image = new Image();
      image.onload = () => {
        const ctx = canvas.getContext("2d");
        ctx.drawImage(image, 0, 0, canvas.clientWidth, canvas.clientHeight);
      };
      image.src = field.value;
    });
  }

  document.addEventListener("input", markDirty, true);
  document.addEventListener("change", markDirty, true);
  document.addEventListener("pointerdown", (event) => {
    if (event.target.closest && event.target.closest("canvas.signature")) dirty = true;
  }, true);
  document.addEventListener("click", (event) => {
    if (event.target.closest && event.target.closest("[data-live-refresh]")) reload();
  });

  document.addEventListener("DOMContentLoaded", () => {
    const head = document.querySelector("[data-live]");
    if (head) setInterval(() => poll(head), POLL_MS);
    const complete = document.getElementById("complete-form");
    if (complete) checkCompletion(complete);
    redrawSignature();
  });
})();
