/* Dudao's service worker for the visit screens (scope /visits/, served by inspections.visits.views_offline).
 *
 * Hand-written rather than Workbox: it needs two strategies and a message, about 70 lines; Workbox's
 * runtime would be several times that to vendor and audit. What it does:
 * - static files (/static/…): served from the cache, refreshed from the network behind the scenes;
 * - visit pages and their photos (GET /visits/…): network first (4 s at most), the last good copy when the
 *   network is away, so a reload offline shows the visit, not the browser's error page;
 * - the page asks it ("cache" message) to keep the URLs the opened visit needs: the page itself, its
 *   stylesheets, scripts, fonts and photos; it answers with how many bytes it holds.
 * Writes (POST/DELETE) and the API are never cached: they go through the page's IndexedDB outbox.
 * A response is kept only if it is a 200 for the URL asked (a redirect to the login page is not a visit). */
var CACHE = "dudao-visits-v1";
var NETWORK_WAIT_MS = 4000;

self.addEventListener("install", function () { self.skipWaiting(); });

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf("dudao-visits-") === 0 && k !== CACHE; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

function keep(request, response) {
  if (response && response.status === 200 && !response.redirected && response.type === "basic") {
    var copy = response.clone();
    caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
  }
  return response;
}

function fromCache(request) {
  return caches.open(CACHE).then(function (cache) { return cache.match(request, {ignoreVary: true}); });
}

function networkFirst(request) {
  var network = fetch(request).then(function (r) { return keep(request, r); });
  var late = new Promise(function (resolve) { setTimeout(resolve, NETWORK_WAIT_MS); });
  return Promise.race([network.catch(function () { return null; }), late]).then(function (r) {
    if (r) return r;
    return fromCache(request).then(function (cached) { return cached || network; });
  });
}

function cacheFirst(request) {
  var network = fetch(request).then(function (r) { return keep(request, r); });
  return fromCache(request).then(function (cached) {
    if (cached) { network.catch(function () {}); return cached; }
    return network;
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request, url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.indexOf("/static/") === 0) event.respondWith(cacheFirst(request));
  else if (url.pathname.indexOf("/visits/") === 0) event.respondWith(networkFirst(request));
});

function size(cache) {
  return cache.keys().then(function (keys) {
    return Promise.all(keys.map(function (k) {
      return cache.match(k).then(function (r) { return r.blob(); }).then(function (b) { return b.size; });
    }));
  }).then(function (sizes) {
    return {entries: sizes.length, bytes: sizes.reduce(function (a, b) { return a + b; }, 0)};
  });
}

self.addEventListener("message", function (event) {
  if (!event.data || event.data.type !== "cache") return;
  var port = event.ports[0];
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return Promise.all(event.data.urls.map(function (u) {
      return fetch(u, {credentials: "same-origin"}).then(function (r) {
        if (r.status === 200 && !r.redirected) return cache.put(u, r);
      }).catch(function () { return null; });
    })).then(function () { return size(cache); });
  }).then(function (report) { if (port) port.postMessage(report); }));
});
