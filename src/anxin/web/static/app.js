// Anxin pages: SLA countdowns, the CSRF header for HTMX, a poll held while the person is busy in what it
// would replace, browser coordinates, the signature pad, print buttons. Every behaviour lives here or in
// another static file: the Content-Security-Policy runs no inline script, handler or eval.
(function () {
  "use strict";
  const csrf = () => document.querySelector('meta[name="csrf-token"]').content;

  document.addEventListener("htmx:configRequest", (event) => {
    event.detail.headers["X-CSRF-Token"] = csrf();
  });

  // An element polled by HTMX with data-hold-while="<selector>" skips a refresh while something inside it
  // matches (an open <details>, the focus in a form field), so a half-typed form is not swapped away.
  document.addEventListener("htmx:confirm", (event) => {
    const el = event.detail.elt;
    const hold = el && el.dataset ? el.dataset.holdWhile : null;
    if (hold && el.querySelector(hold)) event.preventDefault();
  });

  document.addEventListener("click", (event) => {
    if (event.target.closest && event.target.closest("[data-print]")) window.print();
  });

  // A countdown in words: "1小时20分" while it runs, "已超时 2小时15分" once passed (never a minus sign),
  // seconds only in the last ten minutes; English with the page in English.
  function tick() {
    const now = Date.now();
    const en = document.documentElement.lang === "en";
    document.querySelectorAll("[data-due]").forEach((el) => {
      const due = Date.parse(el.dataset.due);
      if (Number.isNaN(due)) return;
      let seconds = Math.round((due - now) / 1000);
      const late = seconds < 0;
      seconds = Math.abs(seconds);
      const d = Math.floor(seconds / 86400), h = Math.floor((seconds % 86400) / 3600);
      const m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
      let text;
      if (en) {
        text = (d ? d + " d " : "") + (d || h ? h + " h " : "") + m + " min" + (!late && !d && !h && m < 10 ? " " + s + " s" : "");
        text = late ? "overdue " + text : text;
      } else {
        text = (d ? d + "天" : "") + (d || h ? h + "小时" : "") + m + "分" + (!late && !d && !h && m < 10 ? s + "秒" : "");
        text = (late ? "已超时 " : "") + text;
      }
      el.textContent = text;
      el.classList.toggle("late", late);
    });
  }

  function locate() {
    document.querySelectorAll("form[data-geo]").forEach((form) => {
      if (!navigator.geolocation) return;
      navigator.geolocation.getCurrentPosition((pos) => {
        form.querySelector('[name="lat"]').value = pos.coords.latitude.toFixed(6);
        form.querySelector('[name="lng"]').value = pos.coords.longitude.toFixed(6);
        const accuracy = form.querySelector('[name="accuracy_m"]');
        if (accuracy && Number.isFinite(pos.coords.accuracy)) accuracy.value = Math.round(pos.coords.accuracy);
      }, () => {}, { timeout: 5000, maximumAge: 60000 });
    });
  }

  function signaturePads() {
    document.querySelectorAll("canvas.signature").forEach((canvas) => {
      const field = document.getElementById(canvas.dataset.field);
      const ratio = window.devicePixelRatio || 1;
      canvas.width = canvas.clientWidth * ratio;
      canvas.height = canvas.clientHeight * ratio;
      const ctx = canvas.getContext("2d");
      ctx.scale(ratio, ratio);
      ctx.lineWidth = 2.5; ctx.lineCap = "round"; ctx.strokeStyle = "#1d2b36";
      let drawing = false, inked = false;
      const point = (e) => { const r = canvas.getBoundingClientRect(); return [e.clientX - r.left, e.clientY - r.top]; };
      canvas.addEventListener("pointerdown", (e) => { drawing = true; ctx.beginPath(); ctx.moveTo(...point(e)); });
      canvas.addEventListener("pointermove", (e) => {
        if (!drawing) return; ctx.lineTo(...point(e)); ctx.stroke(); inked = true;
      });
      const end = () => { if (drawing && inked) field.value = canvas.toDataURL("image/png"); drawing = false; };
      canvas.addEventListener("pointerup", end);
      canvas.addEventListener("pointerleave", end);
      const clear = document.querySelector('[data-clear="' + canvas.id + '"]');
      if (clear) clear.addEventListener("click", () => {
        ctx.clearRect(0, 0, canvas.width, canvas.height); field.value = ""; inked = false;
      });
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    tick(); setInterval(tick, 1000); locate(); signaturePads();
  });
  document.addEventListener("htmx:afterSwap", tick);
})();
