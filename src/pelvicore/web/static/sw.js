// pelvicore's service worker (served at /sw.js, so its scope is the whole app). It keeps the app's static shell
// — stylesheet, scripts, icons and an offline page — so that when the server cannot be reached a page says so
// calmly instead of showing the browser's error.
//
// It NEVER caches an API answer or a page: pages and the API hold her records, and a phone or computer may be
// shared or lent. Her records stay on the server and are asked for afresh each time; only files that are the same
// for everyone, under /static/, are kept on the device.
"use strict";

// The cache's name carries its version: a new version's activate step deletes every older cache.
const CACHE = "pelvicore-shell-v2";
const OFFLINE_PAGE = "/static/offline.html";
const SHELL = [
  OFFLINE_PAGE,
  "/static/app.css",
  "/static/session.js",
  "/static/sw-register.js",
  "/static/vendor/uplot/uPlot.min.css",
  "/static/vendor/uplot/uPlot.iife.min.js",
  "/static/icon.svg",
  "/static/icons/icon-192.png",
  "/static/icons/icon-512.png",
  "/static/manifest.webmanifest",
];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((n) => n.startsWith("pelvicore-") && n !== CACHE)
        .map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    // Pages: always from the network, never stored; the offline page only when the network fails.
    event.respondWith(fetch(request).catch(() => caches.match(OFFLINE_PAGE)));
    return;
  }
  if (url.pathname.startsWith("/static/")) {
    // Static files: the network first, so an updated pelvicore shows at once; the kept copy when it fails.
    event.respondWith(
      fetch(request)
        .then((response) => {
          if (response.ok) {
            const copy = response.clone();
            event.waitUntil(caches.open(CACHE).then((cache) => cache.put(request, copy)));
          }
          return response;
        })
        .catch(() => caches.match(request).then((kept) => kept || Response.error())),
    );
  }
  // Everything else (the API, downloads of her data, sign-in): straight to the network, never kept.
});
