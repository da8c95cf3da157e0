// The schedule board (/console/board): draws the day from the JSON block #board-data, then lets the
// dispatcher drag an unassigned order onto a technician's row (assign) or a block to another row or time
// (hand over, move). While hovering, the row shows what would stop the drop (/console/board/check: the
// same rules as the assign action) and an overlap with a booked visit; the drop goes through
// /console/board/orders/<id>/assign or /appoint, the same actions and checks as the API. Touch: tap an
// order, then a row. No inline script: the Content-Security-Policy runs none.
(function () {
  "use strict";
  const dataEl = document.getElementById("board-data");
  if (!dataEl) return;
  let board = JSON.parse(dataEl.textContent);
  const words = JSON.parse(document.getElementById("board-words").textContent);
  const lang = document.body.dataset.lang === "en" ? "en" : "zh";
  const grid = document.getElementById("board-grid");
  const cards = document.getElementById("queue-cards");
  const message = document.getElementById("board-message");
  const csrf = () => document.querySelector('meta[name="csrf-token"]').content;
  const SNAP = 15;
  const checks = new Map(); // "order:tech" -> the check's answer (or its promise)
  let drag = null; // what is being moved: {kind, orderId, fromTech, duration, window, grab}
  let picked = null; // the touch fallback's chosen order (same shape as drag)
  let px = 1.2; // pixels per minute, fitted to the width on each draw

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  const hhmm = (m) => String(Math.floor(m / 60)).padStart(2, "0") + ":" + String(m % 60).padStart(2, "0");
  const x = (minute) => (minute - board.axis[0]) * px;

  function say(text, kind) {
    message.textContent = text || "";
    message.className = "board-message" + (kind ? " " + kind : "");
  }

  function drawQueue() {
    cards.textContent = "";
    document.getElementById("queue-count").textContent = "(" + board.queue.length + ")";
    if (!board.queue.length) cards.appendChild(el("li", "muted", words.bd_none));
    board.queue.forEach((c) => {
      const li = el("li", "queue-card sla-" + (c.sla || "on_track"));
      li.draggable = true;
      li.tabIndex = 0;
      li.dataset.order = c.order_id;
      li.setAttribute("role", "button");
      const top = el("div", "qc-top");
      top.appendChild(el("strong", "", c.number));
      top.appendChild(el("span", "pill sla-" + (c.sla || "on_track"), c.sla_text));
      li.appendChild(top);
      li.appendChild(el("div", "qc-what", c.category + (c.district ? " · " + c.district : "")));
      const due = el("div", "qc-due");
      if (c.due_at) {
        const left = Date.parse(c.due_at) > Date.now() ? " " + words.bq_left : "";
        due.appendChild(el("span", "muted", c.deadline + words.bd_deadline + left + " "));
        const cd = el("span", "countdown");
        cd.dataset.due = c.due_at;
        due.appendChild(cd);
      }
      li.appendChild(due);
      if (c.window) li.appendChild(el("div", "muted", words.bd_window + " " + c.window));
      const item = { kind: "card", orderId: c.order_id, fromTech: null, duration: c.minutes, window: 120 };
      li.addEventListener("dragstart", (e) => start(e, item));
      li.addEventListener("dragend", end);
      li.addEventListener("click", () => pick(item, li));
      li.addEventListener("keydown", (e) => { if (e.key === "Enter") pick(item, li); });
      cards.appendChild(li);
    });
  }

  function drawGrid() {
    grid.textContent = "";
    const span = board.axis[1] - board.axis[0];
    const room = grid.parentElement.clientWidth - 130;
    px = Math.max(1.0, Math.min(2.5, room / span));
    const width = Math.round(span * px);
    const head = el("div", "board-row board-hours");
    head.appendChild(el("div", "board-name"));
    const scale = el("div", "board-lane");
    scale.style.width = width + "px";
    for (let m = board.axis[0]; m <= board.axis[1]; m += 60) {
      const tick = el("span", "hour", hhmm(m));
      tick.style.left = x(m) + "px";
      if (m === board.axis[0]) tick.style.transform = "none";
      scale.appendChild(tick);
    }
    head.appendChild(scale);
    grid.appendChild(head);
    if (!board.rows.length) grid.appendChild(el("p", "muted", words.bd_no_technicians));
    board.rows.forEach((r) => {
      const row = el("div", "board-row" + (r.state ? " is-" + r.state : ""));
      row.dataset.tech = r.id;
      const name = el("div", "board-name");
      name.appendChild(el("strong", "", r.name));
      const note = el("small", "row-note", r.state === "off" ? words.bd_off : r.state === "suspended" ? words.bd_suspended : "");
      name.appendChild(note);
      row.appendChild(name);
      const lane = el("div", "board-lane");
      lane.style.width = width + "px";
      lane.dataset.tech = r.id;
      if (r.shift) {
        const shift = el("div", "shift");
        shift.style.left = x(Math.max(r.shift[0], board.axis[0])) + "px";
        shift.style.width = (Math.min(r.shift[1], board.axis[1]) - Math.max(r.shift[0], board.axis[0])) * px + "px";
        lane.appendChild(shift);
      }
      r.travel.forEach((t) => {
        const leg = el("div", "travel");
        const from = Math.max(t.start, board.axis[0]);
        if (t.end <= from) return;
        leg.style.left = x(from) + "px";
        leg.style.width = Math.max(2, (t.end - from) * px) + "px";
        leg.title = t.text;
        lane.appendChild(leg);
      });
      r.blocks.forEach((b) => {
        if (b.window) {
          const w = el("div", "window");
          w.style.left = x(b.window[0]) + "px";
          w.style.width = Math.max(2, (b.window[1] - b.window[0]) * px) + "px";
          w.title = words.bd_window + " " + b.window_text;
          lane.appendChild(w);
        }
        const block = el("div", "block status-" + b.status + (b.late ? " late" : "") + (b.movable ? " movable" : ""));
        const from = Math.max(b.start, board.axis[0]); // a visit begun on an earlier day starts at the edge
        block.style.left = x(from) + "px";
        block.style.width = Math.max(24, (b.end - from) * px) + "px";
        block.dataset.order = b.order_id;
        block.appendChild(el("strong", "", b.number));
        block.appendChild(el("span", "", b.label + " · " + b.category));
        block.title = b.number + " " + b.status_text + " " + b.label + (b.window_text ? " · " + words.bd_window + " " + b.window_text : "") + (b.late ? " · " + words.bd_late : "");
        if (b.movable) {
          block.draggable = true;
          const win = b.window ? b.window[1] - b.window[0] : 120;
          const item = { kind: "block", orderId: b.order_id, fromTech: r.id, duration: b.end - b.start, window: Math.max(30, win), start: b.start };
          block.addEventListener("dragstart", (e) => start(e, item, e.offsetX / px));
          block.addEventListener("dragend", end);
          block.addEventListener("click", (e) => { e.stopPropagation(); pick(item, block); });
        }
        lane.appendChild(block);
      });
      if (board.now !== null && board.now >= board.axis[0] && board.now <= board.axis[1]) {
        const now = el("div", "now");
        now.style.left = x(board.now) + "px";
        lane.appendChild(now);
      }
      lane.addEventListener("dragover", (e) => hover(e, lane, r));
      lane.addEventListener("dragleave", () => clearHover(lane));
      lane.addEventListener("drop", (e) => dropped(e, lane, r));
      lane.addEventListener("click", (e) => tapped(e, lane, r));
      row.appendChild(lane);
      grid.appendChild(row);
    });
  }

  function draw() {
    drawQueue();
    drawGrid();
    document.dispatchEvent(new Event("htmx:afterSwap")); // app.js starts the countdowns
  }

  function start(e, item, grabMinutes) {
    drag = Object.assign({ grab: grabMinutes || 0 }, item);
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", String(item.orderId));
  }

  function end() {
    drag = null;
    grid.querySelectorAll(".board-lane").forEach(clearHover);
  }

  function pick(item, node) {
    document.querySelectorAll(".picked").forEach((n) => n.classList.remove("picked"));
    picked = Object.assign({ grab: 0 }, item);
    node.classList.add("picked");
    say(words.bd_pick_row, "");
  }

  // The minute a drop at this pointer position starts at (blocks only: a queue card keeps its window).
  function minuteAt(e, lane, item) {
    if (item.kind !== "block") return null;
    const left = e.clientX - lane.getBoundingClientRect().left;
    const raw = board.axis[0] + left / px - item.grab;
    return Math.max(0, Math.min(24 * 60 - SNAP, Math.round(raw / SNAP) * SNAP));
  }

  function overlaps(row, item, minute) {
    if (minute === null) return false;
    return row.blocks.some((b) => b.order_id !== item.orderId && minute < b.end && b.start < minute + item.duration);
  }

  function check(orderId, techId) {
    const key = orderId + ":" + techId;
    if (!checks.has(key)) {
      const url = "/console/board/check?order_id=" + orderId + "&technician_id=" + techId + (lang === "en" ? "&lang=en" : "");
      checks.set(key, fetch(url, { headers: { Accept: "application/json" } }).then((r) => r.json()));
    }
    return checks.get(key);
  }

  function clearHover(lane) {
    lane.classList.remove("drop-ok", "drop-soft", "drop-hard");
    const ghost = lane.querySelector(".ghost");
    if (ghost) ghost.remove();
    const note = lane.parentElement.querySelector(".row-note");
    const r = board.rows.find((row) => String(row.id) === lane.dataset.tech);
    if (note && r) note.textContent = r.state === "off" ? words.bd_off : r.state === "suspended" ? words.bd_suspended : "";
  }

  function conflicts(answer, row, item, minute) {
    const reasons = (answer.reasons || []).filter((r) => !(r.code === "same_technician" && item.kind === "block"));
    if (overlaps(row, item, minute)) reasons.push({ code: "overlap", message: words.bd_overlap, hard: false });
    return reasons;
  }

  function showConflicts(lane, reasons) {
    const hard = reasons.some((r) => r.hard);
    lane.classList.remove("drop-ok", "drop-soft", "drop-hard");
    lane.classList.add(hard ? "drop-hard" : reasons.length ? "drop-soft" : "drop-ok");
    const note = lane.parentElement.querySelector(".row-note");
    note.textContent = reasons.length ? reasons.map((r) => r.message).join("；") : words.bd_ok;
  }

  function hover(e, lane, row) {
    if (!drag) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = "move";
    const item = drag;
    const minute = minuteAt(e, lane, item);
    let ghost = lane.querySelector(".ghost");
    if (minute !== null) {
      if (!ghost) { ghost = el("div", "ghost"); lane.appendChild(ghost); }
      ghost.style.left = x(minute) + "px";
      ghost.style.width = Math.max(24, item.duration * px) + "px";
      ghost.textContent = hhmm(minute);
    }
    const same = item.fromTech === row.id;
    if (same) { showConflicts(lane, conflicts({ reasons: [] }, row, item, minute)); return; }
    check(item.orderId, row.id).then((answer) => {
      if (drag === item) showConflicts(lane, conflicts(answer, row, item, minute));
    });
  }

  function dropped(e, lane, row) {
    if (!drag) return;
    e.preventDefault();
    const item = drag;
    const minute = minuteAt(e, lane, item);
    end();
    act(item, row, minute, lane);
  }

  function tapped(e, lane, row) {
    if (!picked || e.target.closest(".block.movable")) return;
    const item = picked;
    picked = null;
    document.querySelectorAll(".picked").forEach((n) => n.classList.remove("picked"));
    act(item, row, null, lane);
  }

  async function act(item, row, minute, lane) {
    const same = item.fromTech === row.id;
    if (same && (minute === null || minute === item.start)) return;
    let reasons = [];
    if (!same) {
      say(words.bd_checking, "");
      reasons = conflicts(await check(item.orderId, row.id), row, item, minute);
      if (reasons.some((r) => r.hard)) {
        showConflicts(lane, reasons);
        say(words.bd_failed + "：" + reasons.filter((r) => r.hard).map((r) => r.message).join("；"), "error");
        return;
      }
    }
    const soft = reasons.filter((r) => r.code !== "overlap" && r.code !== "same_technician");
    let override = false;
    if (soft.length) {
      override = await confirmOverride(soft);
      if (!override) { say("", ""); return; }
    }
    const body = same
      ? { date: board.date, start_minute: minute, window_minutes: item.window }
      : { technician_id: row.id, override: override };
    if (!same && minute !== null && minute !== item.start) {
      Object.assign(body, { date: board.date, start_minute: minute, window_minutes: item.window });
    }
    const url = "/console/board/orders/" + item.orderId + (same ? "/appoint" : "/assign") + (lang === "en" ? "?lang=en" : "");
    const answer = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrf() },
      body: JSON.stringify(body),
    });
    if (!answer.ok) {
      let text = words.bd_failed;
      try { const data = await answer.json(); text += "：" + (data.error ? data.error.message : ""); } catch (err) { /* not JSON */ }
      say(text, "error");
      return;
    }
    checks.clear();
    await reload();
    say(words.bd_saved, "notice");
  }

  function confirmOverride(reasons) {
    return new Promise((resolve) => {
      say("", "");
      const box = el("span", "override");
      box.appendChild(el("span", "", reasons.map((r) => r.message).join("；") + " "));
      const yes = el("button", "primary", words.bd_override);
      const no = el("button", "", words.bd_cancel);
      yes.type = no.type = "button";
      yes.addEventListener("click", () => resolve(true));
      no.addEventListener("click", () => resolve(false));
      box.appendChild(yes);
      box.appendChild(no);
      message.className = "board-message warn";
      message.appendChild(box);
      yes.focus();
    });
  }

  async function reload() {
    const answer = await fetch("/console/board/data?date=" + board.date + (lang === "en" ? "&lang=en" : ""), {
      headers: { Accept: "application/json" },
    });
    if (answer.ok) { board = await answer.json(); draw(); }
  }

  draw();
  let width = window.innerWidth;
  window.addEventListener("resize", () => { if (window.innerWidth !== width) { width = window.innerWidth; drawGrid(); } });
  setInterval(() => { if (!drag && !picked && !message.querySelector(".override")) reload(); }, 60000);
})();
