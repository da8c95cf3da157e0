// The technician's app through a dead zone (web/tech_offline.py says what the server does).
// - Registers the service worker (/tech/sw.js, scope /tech) and, online, lets it keep today's list and
//   every order page linked from it, so they open without a signal.
// - Every form of a move the queue keeps (acknowledge, depart, arrive, start, resume, reject, wait for parts,
//   complete, a photo, the appointment) gets an idempotency key once, when the technician taps.
//   Online with nothing waiting, the form is sent as ever (the key in the field `idempotency_key`: a double
//   tap is one move). Offline, or while earlier actions wait, the form (its fields, photos and signature) is
//   queued in IndexedDB in the order tapped, and the page shows what it will become ("师傅在路上（待发送）",
//   the next step's button).
// - When the signal returns the queue is sent in order, each with its key (`Idempotency-Key`), the CSRF token
//   of the session sending it (asked from /tech/offline/state just before) and only by the technician who
//   queued it. A later action on the same order carries no version (the earlier one moved it): the state table
//   still refuses a move that no longer fits. A refused action shows its reason and holds back the actions
//   after it on the same order; a retry or a discard is the technician's.
(function () {
  "use strict";
  const DB_NAME = "anxin-tech-offline";
  const STORE = "queue";
  const PAGES_CACHE = "anxin-tech-pages-v1";
  const MOVE = /^\/tech\/orders\/(\d+)\/(?:act\/(acknowledge|depart|arrive|start|resume)|(reject|wait-parts|complete|photos|appointment))$/;
  const TARGET = { acknowledge: "acknowledged", depart: "en_route", arrive: "on_site", start: "in_progress",
    resume: "in_progress", "wait-parts": "pending_parts", complete: "completed", reject: "accepted" };
  const NEXT = { acknowledge: "depart", depart: "arrive" };
  const SENT_KEPT_MS = 10 * 60 * 1000;
  let words = {
    saved: "离线：显示 {time} 保存的内容", offline: "离线：操作会保存在本机，恢复网络后自动发送",
    queue: "待发送 {n} 项", all_sent: "已全部发送", queued: "等待网络", sending: "发送中", sent: "已发送",
    failed: "未能发送", retry: "重试", discard: "删除", clear: "清除已发送", send_now: "立即发送",
    pending: "（待发送）", back: "已恢复网络：此页是 {time} 保存的内容", refresh: "刷新", not_sent: "未能发送 {n} 项",
    comma: "，", kept: "", login: "登录已过期", other_user: "", blocked: "", gone: "", refused: "{message}",
    conflict: "", server: "({status})", actions: {}, statuses: {},
  };
  let items = [];
  let flushing = false;

  // -- IndexedDB -----------------------------------------------------------------------------------------
  function openDb() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "seq", autoIncrement: true });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }
  function withStore(mode, work) {
    return openDb().then((db) => new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const request = work(tx.objectStore(STORE));
      tx.oncomplete = () => { db.close(); resolve(request ? request.result : undefined); };
      tx.onerror = () => { db.close(); reject(tx.error); };
    }));
  }
  const loadAll = () => withStore("readonly", (store) => store.getAll());
  const save = (item) => withStore("readwrite", (store) => store.put(item));
  const drop = (seq) => withStore("readwrite", (store) => store.delete(seq));

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  const waiting = () => items.filter((i) => i.state !== "sent");

  // -- what the technician sees --------------------------------------------------------------------------
  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function clock(iso) {
    const panel = document.getElementById("offline-queue");
    const zone = (panel && panel.dataset.zone) || "Asia/Shanghai";
    try {
      return new Intl.DateTimeFormat("zh-CN", { timeZone: zone, hour: "2-digit", minute: "2-digit", hour12: false })
        .format(new Date(iso));
    } catch (error) {
      return iso.slice(11, 16);
    }
  }

  function showBanner() {
    const banner = document.getElementById("offline-banner");
    if (!banner || !document.getElementById("offline-words")) return; // the offline page says it itself
    const saved = document.documentElement.dataset.offlineSavedAt;
    banner.replaceChildren();
    banner.classList.toggle("back-online", !!saved && navigator.onLine);
    if (saved) {
      banner.appendChild(el("span", {}, (navigator.onLine ? words.back : words.saved).replace("{time}", clock(saved))));
      if (navigator.onLine) banner.appendChild(el("button", { type: "button", "data-offline-reload": "" }, words.refresh));
    } else if (!navigator.onLine) {
      banner.appendChild(el("span", {}, words.offline));
    }
    banner.hidden = !banner.textContent;
  }

  function render() {
    const panel = document.getElementById("offline-queue");
    if (!panel) return;
    panel.replaceChildren();
    panel.hidden = items.length === 0;
    if (!items.length) return;
    const open = items.filter((i) => i.state === "queued" || i.state === "sending").length;
    const failed = items.filter((i) => i.state === "failed").length;
    const title = [];
    if (open || !failed) title.push(open ? words.queue.replace("{n}", open) : words.all_sent);
    if (failed) title.push(words.not_sent.replace("{n}", failed));
    panel.appendChild(el("h2", { id: "offline-queue-title" }, title.join(words.comma)));
    const list = el("ul", { class: "offline-items" });
    items.forEach((item) => {
      const row = el("li", { class: `offline-item state-${item.state}`, "data-seq": item.seq });
      const head = el("div", { class: "row-head" });
      head.appendChild(el("span", {}, `${words.actions[item.action] || item.action} · ${item.number || ""}`));
      head.appendChild(el("span", { class: "pill offline-state" }, words[item.state] || item.state));
      row.appendChild(head);
      row.appendChild(el("div", { class: "muted" }, clock(item.createdAt)));
      if (item.reason) row.appendChild(el("p", { class: "offline-reason", role: item.state === "failed" ? "alert" : "note" }, item.reason));
      if (item.state === "failed") {
        const buttons = el("div", { class: "offline-buttons" });
        buttons.appendChild(el("button", { type: "button", "data-offline-retry": item.seq }, words.retry));
        buttons.appendChild(el("button", { type: "button", class: "danger", "data-offline-discard": item.seq }, words.discard));
        row.appendChild(buttons);
      }
      list.appendChild(row);
    });
    panel.appendChild(list);
    const tools = el("div", { class: "offline-buttons" });
    if (open && navigator.onLine) tools.appendChild(el("button", { type: "button", class: "primary", "data-offline-send": "" }, words.send_now));
    if (items.some((i) => i.state === "sent")) tools.appendChild(el("button", { type: "button", "data-offline-clear": "" }, words.clear));
    if (tools.children.length) panel.appendChild(tools);
  }

  async function refresh() {
    try {
      items = (await loadAll()).sort((a, b) => a.seq - b.seq);
    } catch (error) {
      items = [];
    }
    render();
    predictAll();
  }

  // The page as the queued actions will leave it: the moved status, the form used hidden, the next step.
  function predict(orderId, action, form) {
    const head = document.getElementById("order-head");
    const status = TARGET[action];
    if (head && head.dataset.page === `/tech/orders/${orderId}`) {
      const pill = document.getElementById("order-status");
      if (pill && status) {
        if (pill.dataset.offlineWas === undefined) pill.dataset.offlineWas = pill.textContent;
        pill.textContent = (words.statuses[status] || status) + words.pending;
      }
      if (status && status !== "acknowledged") {
        document.querySelectorAll("details#reject").forEach((d) => { d.hidden = true; d.dataset.offlineHidden = ""; });
      }
      document.querySelectorAll("section.actions form").forEach((f) => {
        const m = MOVE.exec(new URL(f.action, location.href).pathname);
        if (m && m[1] === orderId && (m[2] || m[3]) === action && !f.dataset.offlineNext) {
          f.hidden = true;
          f.dataset.offlineHidden = "";
        }
      });
      const next = NEXT[action];
      if (next && form && !document.querySelector(`form[data-offline-next="${next}"]`)) {
        const copy = form.cloneNode(true);
        copy.action = `/tech/orders/${orderId}/act/${next}`;
        copy.dataset.offlineNext = next;
        copy.hidden = false;
        copy.querySelectorAll('input[name="idempotency_key"]').forEach((f) => f.remove());
        const version = copy.querySelector('input[name="version"]');
        if (version) version.value = "";
        const button = copy.querySelector("button[type=submit]");
        if (button) button.textContent = words.actions[next] || next;
        form.after(copy);
      }
      if (form && form.dataset.offlineNext === action) form.hidden = true;
    } else {
      document.querySelectorAll(`a.row[href="/tech/orders/${orderId}"]`).forEach((link) => {
        const pill = link.querySelector(".pill");
        if (pill && status) pill.textContent = (words.statuses[status] || status) + words.pending;
        const li = link.closest("li");
        if (li) li.querySelectorAll("form").forEach((f) => { if (MOVE.test(new URL(f.action, location.href).pathname)) f.hidden = true; });
      });
    }
  }

  // a refused action: the page shows the order as it was before the queue's guesses
  function unpredict(orderId) {
    const head = document.getElementById("order-head");
    if (!head || head.dataset.page !== `/tech/orders/${orderId}`) return;
    const pill = document.getElementById("order-status");
    if (pill && pill.dataset.offlineWas !== undefined) pill.textContent = pill.dataset.offlineWas;
    document.querySelectorAll("form[data-offline-next]").forEach((f) => f.remove());
    document.querySelectorAll("[data-offline-hidden]").forEach((node) => {
      node.hidden = false;
      delete node.dataset.offlineHidden;
    });
  }

  function predictAll() {
    waiting().filter((i) => i.state !== "failed").forEach((item) => {
      const form = Array.from(document.querySelectorAll("form")).find((f) => new URL(f.action, location.href).pathname === item.url);
      predict(item.order, item.action, form);
    });
  }

  function numberOf(form, orderId) {
    const h1 = document.querySelector("#order-head h1");
    if (h1 && document.getElementById("order-head").dataset.page === `/tech/orders/${orderId}`) {
      return (h1.firstChild ? h1.firstChild.textContent : h1.textContent).trim();
    }
    const row = form.closest("li");
    const strong = row && row.querySelector("strong");
    return strong ? strong.textContent.replace(/^#\d+\s*·\s*/, "").trim() : "";
  }

  // -- queueing ----------------------------------------------------------------------------------------------
  async function enqueue(form, path, key) {
    const match = MOVE.exec(path);
    const orderId = match[1];
    const action = match[2] || match[3];
    const chained = waiting().some((i) => i.order === orderId);
    const fields = [];
    new FormData(form).forEach((value, name) => {
      fields.push([name, chained && name === "version" ? "" : value]);
    });
    const panel = document.getElementById("offline-queue");
    const item = {
      key, url: path, order: orderId, action, fields, chained,
      number: numberOf(form, orderId),
      user: panel ? panel.dataset.user : "",
      state: "queued", reason: words.kept, createdAt: new Date().toISOString(),
    };
    item.seq = await save(item);
    items.push(item);
    predict(orderId, action, form);
    render();
    flush();
  }

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    const path = new URL(form.action, location.href).pathname;
    if (path === "/logout") {
      if (window.caches) caches.delete(PAGES_CACHE);
      return;
    }
    if (!MOVE.test(path) || form.method.toLowerCase() !== "post" || event.defaultPrevented) return;
    let field = form.querySelector('input[name="idempotency_key"]');
    if (!field) {
      field = el("input", { type: "hidden", name: "idempotency_key" });
      form.appendChild(field);
    }
    if (!field.value) field.value = newKey(); // once, when the technician acts
    if (navigator.onLine && !waiting().length) return; // sent now, as a form
    event.preventDefault();
    enqueue(form, path, field.value);
  });

  // -- sending -----------------------------------------------------------------------------------------------
  async function reasonOf(response) {
    let message = "";
    try {
      const doc = new DOMParser().parseFromString(await response.text(), "text/html");
      const found = doc.querySelector("main .flash.error, main .field-error, main [role=alert]");
      message = found ? found.textContent.replace(/^⚠\s*/, "").trim() : "";
    } catch (error) {
      message = "";
    }
    if (response.status === 404) return words.gone;
    if (response.status === 409 && !message) return words.conflict;
    return message ? words.refused.replace("{message}", message) : words.server.replace("{status}", response.status);
  }

  async function put(item, state, reason) {
    item.state = state;
    item.reason = reason || "";
    if (state === "sent") item.sentAt = new Date().toISOString();
    await save(item);
    render();
  }

  async function send() {
    const list = items.filter((i) => i.state === "queued" || i.state === "sending");
    if (!list.length) return false;
    let session;
    try {
      const answer = await fetch("/tech/offline/state", { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } });
      if (!answer.ok || !(answer.headers.get("content-type") || "").includes("json")) {
        for (const item of list) await put(item, "queued", words.login);
        return false;
      }
      session = await answer.json();
    } catch (error) {
      return false; // still no signal
    }
    const held = new Set(items.filter((i) => i.state === "failed").map((i) => i.order));
    let sent = false;
    for (const item of list) {
      if (String(item.user) !== String(session.user_id)) { await put(item, "failed", words.other_user); continue; }
      if (held.has(item.order)) { await put(item, "failed", words.blocked); continue; }
      await put(item, "sending");
      const body = new FormData();
      item.fields.forEach(([name, value]) => {
        if (name === "csrf_token") body.append(name, session.csrf_token);
        else if (value instanceof Blob) body.append(name, value, value.name || "");
        else body.append(name, value);
      });
      let response;
      try {
        response = await fetch(item.url, {
          method: "POST", body, credentials: "same-origin",
          headers: { "Idempotency-Key": item.key, "X-CSRF-Token": session.csrf_token },
        });
      } catch (error) {
        await put(item, "queued", words.kept); // the signal went again: the rest waits, in order
        return sent;
      }
      const where = new URL(response.url, location.href).pathname;
      if (where === "/login") { await put(item, "queued", words.login); return sent; }
      if (response.ok) { await put(item, "sent"); sent = true; continue; }
      if (response.status >= 500 || response.status === 429) {
        await put(item, "queued", words.server.replace("{status}", response.status));
        return sent;
      }
      await put(item, "failed", await reasonOf(response));
      held.add(item.order);
      unpredict(item.order);
    }
    return sent;
  }

  async function flush() {
    if (flushing || !navigator.onLine) return;
    flushing = true;
    let sent = false;
    try {
      await refresh();
      sent = navigator.locks ? await navigator.locks.request("anxin-tech-queue", send) : await send();
    } finally {
      flushing = false;
    }
    if (sent && !waiting().length) afterSent();
  }

  // the page shows what the server holds now, unless something is being typed on it
  function afterSent() {
    const typing = Array.from(document.querySelectorAll("form:not([hidden]) textarea, form:not([hidden]) input[type=text]"))
      .some((f) => f.value.trim());
    if (!typing && !document.getElementById("form-errors")) {
      document.documentElement.dataset.offlineReloading = "1";
      setTimeout(() => location.reload(), 1500);
    }
  }

  document.addEventListener("click", async (event) => {
    const target = event.target.closest ? event.target.closest("button") : null;
    if (!target) return;
    const item = items.find((i) => String(i.seq) === (target.dataset.offlineRetry || target.dataset.offlineDiscard));
    if (target.dataset.offlineRetry && item) { await put(item, "queued", words.kept); flush(); }
    else if (target.dataset.offlineDiscard && item) { await drop(item.seq); await refresh(); }
    else if (target.hasAttribute("data-offline-send")) flush();
    else if (target.hasAttribute("data-offline-reload")) location.reload();
    else if (target.hasAttribute("data-offline-clear")) {
      for (const i of items.filter((x) => x.state === "sent")) await drop(i.seq);
      await refresh();
    }
  });

  // -- the service worker and the pages it keeps --------------------------------------------------------------
  function warm() {
    if (!navigator.onLine || document.documentElement.dataset.offlineSavedAt !== undefined) return;
    const urls = new Set([location.pathname]);
    document.querySelectorAll('a[href^="/tech/orders/"], a[href="/tech"], a[href="/tech/day"]').forEach((a) => {
      const path = new URL(a.href, location.href).pathname;
      if (/^\/tech(\/day|\/orders\/\d+)?$/.test(path)) urls.add(path);
    });
    Promise.all(Array.from(urls, (url) => fetch(url, { credentials: "same-origin" }).catch(() => null)))
      .then(() => { document.documentElement.dataset.offlineReady = "1"; });
  }

  // the pages kept are one technician's: another one signing in on this phone starts without them
  function forgetOtherUsersPages() {
    const panel = document.getElementById("offline-queue");
    const user = panel && panel.dataset.user;
    if (!user || document.documentElement.dataset.offlineSavedAt !== undefined) return;
    try {
      const before = localStorage.getItem("anxin-tech-user");
      if (before && before !== user && window.caches) caches.delete(PAGES_CACHE);
      localStorage.setItem("anxin-tech-user", user);
    } catch (error) { /* storage refused: nothing kept to compare */ }
  }

  function register() {
    if (!("serviceWorker" in navigator)) return;
    forgetOtherUsersPages();
    navigator.serviceWorker.register("/tech/sw.js", { scope: "/tech" }).catch(() => null);
    if (navigator.serviceWorker.controller) warm();
    else navigator.serviceWorker.addEventListener("controllerchange", warm, { once: true });
  }

  async function forgetOldSent() {
    const now = Date.now();
    for (const item of items.filter((i) => i.state === "sent" && now - Date.parse(i.sentAt || i.createdAt) > SENT_KEPT_MS)) {
      await drop(item.seq);
    }
  }

  document.addEventListener("DOMContentLoaded", async () => {
    const source = document.getElementById("offline-words");
    if (source) {
      try { words = JSON.parse(source.textContent); } catch (error) { /* the page's own words stay */ }
    }
    showBanner();
    await refresh();
    await forgetOldSent();
    await refresh();
    register();
    flush();
  });
  window.addEventListener("online", () => { showBanner(); flush(); });
  window.addEventListener("offline", () => { showBanner(); render(); });
  setInterval(() => { if (waiting().length) flush(); }, 20000);
})();
