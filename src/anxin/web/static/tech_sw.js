// The technician app's service worker (served as /tech/sw.js, scope /tech; web/tech_offline.py).
// - The app's shell (styles, scripts, icons) is kept at install and refreshed in the background.
// - Pages and data (GET, this origin) go to the network first; each answer that is a page of the app (not a
//   sign-in page, not an error) is kept with the time it was saved. Without a network the kept copy is
//   served, marked with that time (data-offline-saved-at on <html>, which tech_offline.js shows as
//   "离线：显示 HH:MM 保存的内容"); a page never kept gets a short offline page.
// - What the technician does offline is queued by the page (tech_offline.js, IndexedDB), not here: a POST
//   passes straight through.
"use strict";

const SHELL_CACHE = "anxin-tech-shell-v1";
const PAGES_CACHE = "anxin-tech-pages-v1";
const SHELL = [
  "/static/app.css",
  "/static/app.js",
  "/static/tech.css",
  "/static/tech_live.js",
  "/static/tech_offline.css",
  "/static/tech_offline.js",
  "/static/vendor/htmx-2.0.11.min.js",
  "/static/favicon.svg",
  "/tech/icon-192.png",
  "/tech/manifest.webmanifest",
];
// answers that are live by nature: never kept, never served from a copy
const LIVE = [/^\/tech\/offline\/state$/, /^\/tech\/orders\/\d+\/version$/, /^\/tech\/sw\.js$/, /^\/inbox/, /^\/api\//];
const SAVED_AT = "x-anxin-saved-at";

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(SHELL_CACHE)
      .then((cache) => Promise.all(SHELL.map((url) => cache.add(url).catch(() => null))))
      .then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  const keep = new Set([SHELL_CACHE, PAGES_CACHE]);
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((n) => n.startsWith("anxin-tech-") && !keep.has(n)).map((n) => caches.delete(n))))
      .then(() => self.clients.claim())
  );
});

function keepable(response) {
  if (!response || !response.ok || response.type !== "basic") return false;
  const path = new URL(response.url).pathname;
  return !(path === "/login" || path.startsWith("/portal/login"));
}

async function keep(request, response) {
  const headers = new Headers(response.headers);
  headers.set(SAVED_AT, new Date().toISOString());
  const body = await response.clone().blob();
  const copy = new Response(body, { status: response.status, statusText: response.statusText, headers });
  const cache = await caches.open(PAGES_CACHE);
  await cache.put(request.url, copy);
}

async function fromCopy(request) {
  const cache = await caches.open(PAGES_CACHE);
  const copy = await cache.match(request.url);
  if (!copy) return null;
  const saved = copy.headers.get(SAVED_AT) || "";
  if (!(copy.headers.get("content-type") || "").startsWith("text/html")) return copy;
  const text = await copy.text();
  const marked = text.replace(/<html(\s|>)/, `<html data-offline-saved-at="${saved}"$1`);
  const headers = new Headers(copy.headers);
  headers.delete("content-length");
  return new Response(marked, { status: 200, headers });
}

function offlinePage() {
  const html = `<!doctype html><html lang="zh-CN" data-offline-saved-at=""><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>离线 · 安心师傅</title>
<link rel="stylesheet" href="/static/app.css"><link rel="stylesheet" href="/static/tech_offline.css">
<script src="/static/tech_offline.js" defer></script></head><body class="mobile">
<header class="topbar"><a class="brand" href="/tech">安心</a></header><main>
<div id="offline-banner" class="offline-banner" role="status">离线：此页面没有保存在本机</div>
<section class="card"><h1>没有信号</h1><p>这一页在有信号时没有打开过，所以本机没有保存。</p>
<p><a class="button primary" href="/tech">回到今日工单</a></p></section>
<section id="offline-queue" class="card offline-queue" hidden></section></main></body></html>`;
  return new Response(html, { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
}

async function networkFirst(request) {
  try {
    const response = await fetch(request);
    if (keepable(response)) await keep(request, response);
    return response;
  } catch (error) {
    const copy = await fromCopy(request);
    if (copy) return copy;
    if (request.mode === "navigate") return offlinePage();
    throw error;
  }
}

async function shellFirst(request) {
  const cache = await caches.open(SHELL_CACHE);
  const copy = await cache.match(request.url);
  const fresh = fetch(request)
    .then((response) => {
      if (response.ok) cache.put(request.url, response.clone());
      return response;
    })
    .catch(() => null);
  if (copy) return copy;
  return (await fresh) || (await fromCopy(request)) || Response.error();
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (LIVE.some((pattern) => pattern.test(url.pathname))) return;
  if (url.pathname.startsWith("/static/") || SHELL.includes(url.pathname)) {
    event.respondWith(shellFirst(request));
  } else {
    event.respondWith(networkFirst(request));
  }
});

// a signed-out technician's pages leave the phone with them (the queue stays: it is bound to its user)
self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "forget-pages") event.waitUntil(caches.delete(PAGES_CACHE));
});
