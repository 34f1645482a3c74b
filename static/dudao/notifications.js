/* Dudao live notifications: bell count, toasts, self-refreshing lists.
 *
 * One websocket per page (it survives Turbo navigation). On every (re)connect it
 * asks for ?since=<newest id seen>, so whatever arrived while it was away is
 * delivered first: nothing is lost. Reconnects back off 1 s → 30 s with jitter.
 * Each new notification is announced as a `dudao:notification` DOM event; a page
 * element marked `data-dudao-autorefresh` is re-fetched and swapped in place.
 */
(function () {
  "use strict";
  if (window.DudaoNotifications) { return; }

  var state = { socket: null, user: null, lastId: 0, unread: 0, retry: 0, timer: null, refreshTimer: null,
                seen: {}, shownUpTo: 0 };

  function bell() { return document.querySelector("[data-dudao-bell]"); }

  function showCount(count) {
    state.unread = count;
    document.querySelectorAll("[data-dudao-bell-count]").forEach(function (el) {
      el.textContent = count > 99 ? "99+" : String(count);
      el.hidden = count === 0;
    });
    document.querySelectorAll("[data-dudao-unread-inline]").forEach(function (el) { el.textContent = String(count); });
    var b = bell();
    if (b) { b.setAttribute("data-unread", String(count)); }
  }

  function toastBox() {
    var box = document.getElementById("dd-toasts");
    if (!box) {
      box = document.createElement("div");
      box.id = "dd-toasts";
      box.className = "dd-toasts";
      box.setAttribute("role", "status");
      box.setAttribute("aria-live", "polite");
      document.body.appendChild(box);
    }
    return box;
  }

  function toast(note) {
    var b = bell();
    var item = document.createElement("a");
    item.className = "dd-toast";
    item.href = "/notifications/" + note.id + "/open/";
    item.setAttribute("data-turbo", "false");
    var label = document.createElement("span");
    label.className = "dd-toast__label";
    label.textContent = (b && b.getAttribute("data-label-new")) || "新通知";
    var title = document.createElement("span");
    title.className = "dd-toast__title";
    title.textContent = note.title;  // text, never HTML
    item.appendChild(label);
    item.appendChild(title);
    toastBox().appendChild(item);
    setTimeout(function () { item.classList.add("dd-toast--gone"); }, 6000);
    setTimeout(function () { item.remove(); }, 6600);
  }

  function refreshMarkedRegions() {
    var regions = document.querySelectorAll("[data-dudao-autorefresh]");
    if (!regions.length) { return; }
    clearTimeout(state.refreshTimer);
    state.refreshTimer = setTimeout(function () {
      fetch(window.location.href, { credentials: "same-origin", headers: { "X-Requested-With": "dudao-autorefresh" } })
        .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
        .then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html");
          var all = fresh.querySelectorAll("[data-dudao-autorefresh]");
          regions.forEach(function (el, i) {
            var match = (el.id && fresh.getElementById(el.id)) || all[i];
            if (match) { el.innerHTML = match.innerHTML; }
          });
          document.dispatchEvent(new CustomEvent("dudao:refreshed"));
        })
        .catch(function () { window.location.reload(); });
    }, 300);
  }

  function onNotification(note) {
    // Catch-up re-sends recent ids (a transaction can commit after a higher id was pushed): drop repeats.
    if (state.seen[note.id]) { return; }
    state.seen[note.id] = true;
    state.lastId = Math.max(state.lastId, note.id);
    var b = bell();
    if (b) { b.setAttribute("data-last-id", String(state.lastId)); }
    // Ids up to the page's own are listed by the page unless they committed late: refreshing shows those.
    if (note.id <= state.shownUpTo) { refreshMarkedRegions(); return; }
    toast(note);
    document.dispatchEvent(new CustomEvent("dudao:notification", { detail: note }));
    refreshMarkedRegions();
  }

  function scheduleReconnect(slow) {
    clearTimeout(state.timer);
    var base = slow ? 60000 : Math.min(30000, 1000 * Math.pow(2, state.retry));
    state.retry += 1;
    state.timer = setTimeout(connect, base / 2 + Math.random() * base / 2);
  }

  function connect() {
    var b = bell();
    if (!b) { return; }
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var url = scheme + window.location.host + b.getAttribute("data-ws-path") + "?since=" + state.lastId;
    var socket = new WebSocket(url);
    state.socket = socket;
    socket.onopen = function () { state.retry = 0; document.documentElement.setAttribute("data-dudao-live", "1"); };
    socket.onmessage = function (event) {
      var msg;
      try { msg = JSON.parse(event.data); } catch (e) { return; }
      if (msg.type === "notification") { onNotification(msg.notification); }
      else if (msg.type === "unread") { showCount(msg.count); }
    };
    socket.onclose = function (event) {
      document.documentElement.removeAttribute("data-dudao-live");
      if (state.socket !== socket) { return; }  // replaced on purpose
      state.socket = null;
      scheduleReconnect(event.code === 4401);
    };
  }

  function markRead(ids) {
    if (state.socket && state.socket.readyState === WebSocket.OPEN) {
      state.socket.send(JSON.stringify(ids ? { type: "mark_read", ids: ids } : { type: "mark_read" }));
    }
  }

  /* Called on first load and after each Turbo navigation (the bell element is new). */
  function attach() {
    var b = bell();
    if (!b) {
      if (state.socket) { var s = state.socket; state.socket = null; s.close(); }
      return;
    }
    var user = b.getAttribute("data-user");
    var rendered = parseInt(b.getAttribute("data-last-id"), 10) || 0;
    if (user !== state.user) {  // first page, or another person logged in
      if (state.socket) { var old = state.socket; state.socket = null; old.close(); }
      state.user = user;
      state.lastId = rendered;
      state.seen = {};
      state.shownUpTo = rendered;
      showCount(parseInt(b.getAttribute("data-unread"), 10) || 0);
      connect();
    } else {
      state.lastId = Math.max(state.lastId, rendered);
      showCount(state.unread);
      if (!state.socket) { connect(); }
    }
  }

  window.DudaoNotifications = { markRead: markRead, state: state, attach: attach };
  document.addEventListener("turbo:load", attach);
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", attach); } else { attach(); }
})();
