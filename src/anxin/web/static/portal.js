// The customer portal's forms (no inline script: the CSP runs none): the sign-in's resend countdown, the
// cascading model picker (category → brand → model, or the typed model code), the symptom chips of the
// chosen appliance's category that write into the description, the report form's "another appliance".
(function () {
  "use strict";

  // A button with data-countdown="60" stays disabled for that many seconds, saying how many are left.
  function countdowns() {
    document.querySelectorAll("button[data-countdown]").forEach((button) => {
      let left = parseInt(button.dataset.countdown, 10);
      const label = button.textContent, unit = button.dataset.unit || "s";
      if (!(left > 0)) return;
      button.disabled = true;
      const show = () => { button.textContent = left + " " + unit; };
      show();
      const timer = setInterval(() => {
        left -= 1;
        if (left <= 0) { clearInterval(timer); button.disabled = false; button.textContent = label; return; }
        show();
      }, 1000);
    });
  }

  function option(value, text) {
    const el = document.createElement("option");
    el.value = value; el.textContent = text;
    return el;
  }

  function picker(root, onCategory) {
    const data = JSON.parse(root.querySelector(".catalog-data").textContent);
    const category = root.querySelector('[data-level="category"]');
    const brand = root.querySelector('[data-level="brand"]');
    const model = root.querySelector('[data-level="model"]');
    const code = root.querySelector('input[name="model_code"]');
    const found = root.querySelector(".picker-found");
    const pick = brand.options[0].textContent;
    const brandName = Object.fromEntries(data.brands.map((b) => [String(b.id), b.name]));

    function fillBrands() {
      brand.replaceChildren(option("", pick));
      const ids = [...new Set(data.models.filter((m) => m.category === category.value).map((m) => String(m.brand)))];
      ids.forEach((id) => brand.append(option(id, brandName[id] || id)));
      brand.disabled = !category.value;
      if (ids.length === 1) brand.value = ids[0];
      fillModels();
      if (onCategory) onCategory(category.value);
    }
    function fillModels() {
      model.replaceChildren(option("", pick));
      data.models
        .filter((m) => m.category === category.value && String(m.brand) === brand.value)
        .forEach((m) => model.append(option(String(m.id), m.name + " (" + m.code + ")")));
      model.disabled = !brand.value;
      if (model.options.length === 2) model.value = model.options[1].value;
    }
    category.addEventListener("change", () => { code.value = ""; found.textContent = ""; fillBrands(); });
    brand.addEventListener("change", () => { code.value = ""; fillModels(); });
    model.addEventListener("change", () => { code.value = ""; found.textContent = ""; });
    code.addEventListener("input", () => {
      const typed = code.value.replace(/\s/g, "").toUpperCase();
      const hit = data.models.find((m) => m.code.replace(/\s/g, "").toUpperCase() === typed);
      if (!typed) { found.textContent = ""; return; }
      if (!hit) { found.textContent = code.dataset.unknown; return; }
      category.value = hit.category; fillBrands();
      brand.value = String(hit.brand); fillModels();
      model.value = String(hit.id);
      found.textContent = "✓ " + (brandName[String(hit.brand)] || "") + " " + hit.name;
    });
  }

  // The chips of one category; each adds its words to the description, or takes them out again.
  function chips(fieldset, description) {
    const table = JSON.parse(fieldset.dataset.chips);
    const row = fieldset.querySelector(".chip-row");
    function toggle(box) {
      const words = box.dataset.words;
      const parts = description.value.split(/[；;，,\s]+/).filter((p) => p && p !== words);
      if (box.checked) parts.push(words);
      description.value = parts.join("；");
      description.dispatchEvent(new Event("input", { bubbles: true }));
    }
    row.addEventListener("change", (event) => { if (event.target.matches('input[type="checkbox"]')) toggle(event.target); });
    return function show(category) {
      const list = table[category] || table[""] || [];
      row.replaceChildren(...list.map(([code, words]) => {
        const label = document.createElement("label");
        label.className = "chip";
        const box = document.createElement("input");
        box.type = "checkbox"; box.name = "symptom"; box.value = code; box.dataset.words = words;
        const span = document.createElement("span");
        span.textContent = words;
        label.append(box, span);
        return label;
      }));
    };
  }

  function reportForm() {
    const form = document.getElementById("report-form");
    if (!form) return;
    const which = form.querySelector("#appliance_id");
    const extra = form.querySelector("#new-appliance");
    const owned = JSON.parse(which.dataset.categories || "{}");
    const show = chips(form.querySelector("#symptom-chips"), form.querySelector("#description"));
    const root = extra.querySelector("[data-model-picker]");
    picker(root, (category) => { if (!which.value) show(category); });
    const sync = () => {
      extra.hidden = Boolean(which.value);
      extra.querySelector('input[name="purchase_date"]').required = !which.value;
      show(which.value ? owned[which.value] : root.querySelector('[data-level="category"]').value);
    };
    which.addEventListener("change", sync);
    sync();
  }

  document.addEventListener("DOMContentLoaded", () => {
    countdowns();
    document.querySelectorAll("[data-model-picker]").forEach((root) => {
      if (!root.closest("#report-form")) picker(root);
    });
    reportForm();
  });
})();
