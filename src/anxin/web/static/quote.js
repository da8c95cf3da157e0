// The technician's quote form (tech/_quote_form.html): a search over the items' names, − and + beside each
// quantity, and the running total of amount, covered and payable. Without it the form works as typed.
(function () {
  "use strict";
  const yuan = (fen) => "¥" + (fen / 100).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const count = (input) => {
    const value = parseInt(input.value, 10);
    return Number.isFinite(value) && value > 0 ? Math.min(value, 999) : 0;
  };

  function setUp(form) {
    const items = Array.from(form.querySelectorAll(".quote-item"));
    const running = form.querySelector("#quote-running");
    const other = form.querySelector(".quote-other");

    function total() {
      let amount = 0, covered = 0;
      items.forEach((item) => {
        const quantity = count(item.querySelector(".qty"));
        const fen = quantity * parseInt(item.dataset.price, 10);
        item.classList.toggle("is-picked", quantity > 0);
        amount += fen;
        if (item.dataset.covered === "1") covered += fen;
      });
      if (other) {
        const typed = (other.querySelector('[name="other_amount"]').value || "").trim();
        const price = Math.round(parseFloat(typed) * 100);
        if (typed && Number.isFinite(price) && price >= 0) {
          const fen = price * (count(other.querySelector('[name="other_qty"]')) || 1);
          amount += fen;
          if (other.dataset.covered === "1") covered += fen;
        }
      }
      form.querySelector("#run-amount").textContent = yuan(amount);
      form.querySelector("#run-covered").textContent = yuan(covered);
      form.querySelector("#run-payable").textContent = yuan(amount - covered);
    }

    form.querySelectorAll(".step").forEach((button) => {
      button.hidden = false;
      button.addEventListener("click", () => {
        const input = button.parentElement.querySelector(".qty");
        input.value = Math.max(0, Math.min(999, count(input) + parseInt(button.dataset.step, 10)));
        total();
      });
    });
    form.addEventListener("input", total);

    const search = form.querySelector("#quote-search");
    if (search) {
      search.hidden = false;
      search.addEventListener("input", () => {
        const words = search.value.trim().toLowerCase();
        let shown = 0;
        items.forEach((item) => {
          const match = !words || item.dataset.name.toLowerCase().includes(words);
          item.hidden = !match;
          if (match) shown += 1;
        });
        form.querySelectorAll(".quote-kind").forEach((heading) => {
          heading.hidden = !items.some((item) => !item.hidden && item.dataset.kind === heading.dataset.kind);
        });
        form.querySelector("#quote-none").hidden = shown > 0;
      });
    }
    if (running) running.hidden = false;
    total();
  }

  document.addEventListener("DOMContentLoaded", () => {
    const form = document.getElementById("quote-form");
    if (form) setUp(form);
  });
})();
