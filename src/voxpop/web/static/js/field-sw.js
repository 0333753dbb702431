// voxpop kiosk service worker (scope /k/): when there is no network, answer the kiosk page, its files and
// the kiosk's statements from the cache the page filled (static/js/field.js); online, always the network.
"use strict";
var CACHE = "voxpop-kiosk-v1";

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (e) { e.waitUntil(self.clients.claim()); });

self.addEventListener("fetch", function (e) {
  var req = e.request;
  if (req.method !== "GET") return; // votes and statements go straight to the network (the page queues them)
  var url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  var kiosk = url.pathname.indexOf("/k/") === 0 || url.pathname.indexOf("/api/v1/kiosks/") === 0;
  var asset = url.pathname.indexOf("/static/") === 0;
  if (!kiosk && !asset) return;
  e.respondWith(fetch(req).then(function (resp) {
    if (resp.ok && kiosk) {
      var copy = resp.clone();
      caches.open(CACHE).then(function (c) { c.put(url.pathname + (asset ? url.search : ""), copy); });
    }
    return resp;
  }).catch(function () {
    return caches.open(CACHE).then(function (c) {
      return c.match(asset ? url.pathname + url.search : url.pathname).then(function (hit) {
        return hit || Response.error();
      });
    });
  }));
});
