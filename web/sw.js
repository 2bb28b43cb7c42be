// sw.js: the service worker that lets pynn studio work offline after the first visit and
// start faster on the next ones (docs/OFFLINE.md). js/offline.js registers it once the
// studio is ready, so the first visit's downloads never compete with it.
//
// - MANIFEST lists every file of dist/ with its sha256. devtools/offline.py writes it into
//   this file at build time, so a new build is a new sw.js: the browser, which checks sw.js
//   on every visit, then installs the new worker beside the running one.
// - install: every listed file is stored in the cache under "<path>?sha256=<hash>". A file
//   whose hash is already cached (an unchanged file of the previous build) is kept, not
//   downloaded again; a downloaded one must have the manifest's hash, or the install fails
//   (dist/ changed meanwhile: the next visit tries again).
// - fetch: a listed file comes from the cache (cache-first: a hash names one content, so the
//   cached copy is right for this build), index.html included, so that a page and
//   everything it loads are always of one build; anything else goes to the network.
// - a new build waits while a page of the old build is open; it takes over when none is,
//   when the page's "Reload" button (js/offline.js) asks, or when the only open page is
//   reloaded (handOver); then the old build's entries are deleted.

const MANIFEST = { version: "unbuilt", files: {} };   // devtools/offline.py writes the real one
const CACHE = "pynn-studio";
const SCOPE = new URL(self.registration.scope);

// The cache key of a listed file: its URL with the content hash as the query.
function keyOf(path) {
  return new URL(`${path}?sha256=${MANIFEST.files[path]}`, SCOPE).href;
}

function hex(buffer) {
  return Array.from(new Uint8Array(buffer), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

async function precache() {
  const cache = await caches.open(CACHE);
  const cached = new Set((await cache.keys()).map((request) => request.url));
  const missing = Object.keys(MANIFEST.files).filter((path) => !cached.has(keyOf(path)));
  await Promise.all(missing.map(async (path) => {
    // "no-cache": revalidate with the server, so a host's HTTP cache cannot hand back a stale copy.
    const response = await fetch(new URL(path, SCOPE), { cache: "no-cache" });
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
    const hash = hex(await crypto.subtle.digest("SHA-256", await response.clone().arrayBuffer()));
    if (hash !== MANIFEST.files[path]) throw new Error(`${path} changed on the server during the install`);
    await cache.put(keyOf(path), response);
  }));
}

self.addEventListener("install", (event) => {
  event.waitUntil(precache());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const wanted = new Set(Object.keys(MANIFEST.files).map(keyOf));
    for (const name of await caches.keys()) {
      if (name.startsWith("pynn-") && name !== CACHE) await caches.delete(name);
    }
    const cache = await caches.open(CACHE);
    for (const request of await cache.keys()) {
      if (!wanted.has(request.url)) await cache.delete(request);
    }
    // The first visit's page, which registered this worker, gets its later files (the lab,
    // the CNN, the digits) from the cache too.
    await self.clients.claim();
  })());
});

// The page's "Reload" button: take over now instead of when the old build's pages close.
self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "activate") self.skipWaiting();
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== SCOPE.origin || !url.pathname.startsWith(SCOPE.pathname)) return;
  let path = decodeURIComponent(url.pathname.slice(SCOPE.pathname.length));
  if (path === "") path = "index.html";
  if (!(path in MANIFEST.files)) return;
  event.respondWith(fromCache(path, request));
});

async function fromCache(path, request) {
  if (request.mode === "navigate" && await handOver()) return reloadPage();
  const cached = await caches.match(keyOf(path), { cacheName: CACHE });
  return cached || fetch(request);   // not cached (storage cleared meanwhile): the network
}

// A newer build is installed and waiting, and the one page open is navigating away (a
// reload): nothing runs this build any more, so ask the new one to take over and answer
// with a page that reloads itself. The browser activates the new worker as soon as this one
// has no request in hand (so this one cannot wait for it), and the repeated navigation goes
// to the new build (or, if it comes too soon, here again). Without this a reload would stay
// on the old build for as long as the tab is open: the reloading page still counts as open.
async function handOver() {
  const waiting = self.registration.waiting;
  if (!waiting || (await self.clients.matchAll({ type: "window" })).length > 1) return false;
  waiting.postMessage({ type: "activate" });
  return true;
}

// location.reload() keeps the address's #settings; a Refresh header would not reload at all
// (same address but for the fragment: the browser only scrolls). Its own CSP: this script only.
function reloadPage() {
  const html = '<!doctype html><meta charset="utf-8"><title>pynn studio</title><script>location.reload()</script>';
  return new Response(html, { headers: {
    "Content-Type": "text/html; charset=utf-8",
    "Content-Security-Policy": "default-src 'none'; script-src 'unsafe-inline'",
  } });
}
