/* Dudao visit screens for tablets: check-in, checklist, findings with photos, signature pad.
 *
 * Offline first. Every write of the on-site screens (an answer or note, a finding, each of its photos, a
 * deletion, the signature, the submission) goes first into an outbox in IndexedDB, with a UUID made here on
 * the device; only when that IndexedDB transaction has completed does the screen say it is kept on the
 * tablet, and only the server's 2xx answer makes it "saved". The outbox is replayed in the order the writes
 * were made, one request at a time, with back-off while the network is away; the server applies each UUID
 * once (inspections/idempotency/services.py), so a retry after a lost answer never makes a duplicate.
 *
 * Why hand-written (plain IndexedDB, no idb/Dexie, no Workbox): one object store with an auto-increment key
 * is all the outbox needs (about 60 lines here), and the service worker (static/dudao/sw.js) caches a few
 * dozen URLs with two strategies; a vendored library would be more code to audit than the code it replaces.
 *
 * Conflict rules (what happens when the server changed while the tablet was offline):
 * - Findings are additive: a finding made on the tablet is added beside those a colleague recorded on the
 *   server meanwhile (each has its own client UUID); nothing is merged into or over another finding, and the
 *   colleague's findings appear on the tablet at its next page load.
 * - Answers: the last answer to reach the server for an item wins (the audit trail keeps every answer); a
 *   replay of an answer already applied is answered from its receipt and does not undo a later answer.
 * - The check-in: the first to reach the server checks the visit in; a tablet's check-in arriving after a
 *   colleague's is a conflict (409) kept on the tablet, and its answers and findings still go in.
 * - Photos and deletions name their finding by its client UUID; a finding deleted on the server meanwhile
 *   makes its photo's upload a refusal (404), kept on the tablet and listed.
 * - The visit cancelled, signed or submitted on the server (409), or no longer visible to this inspector
 *   (404), or any other refusal (400/403): the write stays in the outbox marked as conflict or failed, with the
 *   server's reason, shown on its item and in the sync panel; the sync never deletes it. The inspector
 *   resolves each one: "retry" (once the cause is fixed, e.g. the leader returned the record for changes) or
 *   "discard" after a confirmation naming what is thrown away. Nothing leaves the tablet unless a person says so.
 * - Network errors, 5xx, 408 and 429 are not answers: the write waits and is retried with back-off; a 401
 *   (signed out meanwhile) waits for the next sign-in.
 *
 * UI strings come from data-msg-* attributes rendered (and translated) by the server. */
(function () {
  "use strict";

  function csrf() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function store(key, value) {
    try {
      if (value === undefined) localStorage.removeItem(key);
      else localStorage.setItem(key, JSON.stringify(value));
    } catch (e) { /* private mode or full: the server copy still stands */ }
  }

  function load(key) {
    try { return JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { return null; }
  }

  function uuid4() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function errorText(data) {
    if (!data) return "";
    if (typeof data === "string") return data;
    if (data.detail) return data.detail;
    return Object.keys(data).map(function (k) { return [].concat(data[k]).join(" "); }).join(" ");
  }

  /* ------------------------------------------------------------ check-in (through the outbox) */

  function clock(d) {
    return d.toLocaleTimeString(document.documentElement.lang || undefined, {hour: "2-digit", minute: "2-digit"});
  }

  function checkInOf(entries, visit) {
    return entries.filter(function (e) { return e.visit === String(visit) && e.kind === "checkin"; })[0];
  }

  function initCheckIn(button) {
    // The button press is the check-in: its device time and position go into the outbox at once, marked as
    // captured offline when the tablet has no network; online the checklist opens once the server has it,
    // offline at once (the service worker holds the checklist page, the outbox the check-in).
    var msg = document.getElementById("vs-geo-msg"), visit = button.dataset.visit, pending = null;
    function say(text) { msg.textContent = text; }
    function go() { window.location.href = button.dataset.next; }
    function shown(e) {
      button.hidden = e.state === "waiting";
      button.disabled = false;
      var link = document.getElementById("vs-go-conduct");
      if (link) link.hidden = e.state !== "waiting";
      say(e.state === "waiting" ? button.dataset.msgQueued.replace("{t}", clock(new Date(e.json.device_at)))
        : (e.state === "conflict" ? button.dataset.msgConflict : button.dataset.msgRefused) + e.error);
    }
    Sync.listeners.push(function (what, e) {
      if (what === "round" && pending && Sync.offline) { pending = null; go(); return; }
      if (!e || e.visit !== String(visit) || e.kind !== "checkin") return;
      if (what === "accepted") { if (pending) go(); return; }
      pending = null;
      shown(e);
    });
    function queue(geo) {
      var write = newWrite(visit, "checkin", {url: button.dataset.url, label: "", json: Object.assign(geo, {
        device_at: new Date().toISOString(), captured_offline: !navigator.onLine})});
      Outbox.addAll([write]).then(function () { pending = write; shown(write); syncNow(); },
        function (error) { say(refusedText(button.dataset, error)); button.disabled = false; });
    }
    button.addEventListener("click", function () {
      button.disabled = true;
      if (!navigator.geolocation) { say(button.dataset.msgUnavailable); queue({geo_status: "unavailable"}); return; }
      say(button.dataset.msgLocating);
      navigator.geolocation.getCurrentPosition(function (pos) {
        queue({geo_status: "ok", latitude: pos.coords.latitude, longitude: pos.coords.longitude,
               accuracy: pos.coords.accuracy});
      }, function (err) {
        var denied = err && err.code === 1;
        say(denied ? button.dataset.msgDenied : button.dataset.msgUnavailable);
        // the message stays readable for a moment before the checklist opens
        setTimeout(function () { queue({geo_status: denied ? "denied" : "unavailable"}); }, 1200);
      }, {enableHighAccuracy: true, timeout: 10000, maximumAge: 60000});
    });
    Outbox.list().then(function (all) { var e = checkInOf(all, visit); if (e) shown(e); }).catch(function () {});
  }

  /* ------------------------------------------------------------ outbox (IndexedDB) */

  var Outbox = (function () {
    var opening = null;

    function open() {
      if (!opening) opening = new Promise(function (resolve, reject) {
        var req = indexedDB.open("dudao-outbox", 1);
        req.onupgradeneeded = function () { req.result.createObjectStore("writes", {keyPath: "seq", autoIncrement: true}); };
        req.onsuccess = function () { resolve(req.result); };
        req.onerror = function () { opening = null; reject(req.error); };
      });
      return opening;
    }

    // Resolves only when the transaction has completed: from then on the write survives a reload or a crash.
    function tx(mode, work) {
      return open().then(function (db) {
        return new Promise(function (resolve, reject) {
          var t = db.transaction("writes", mode), out;
          out = work(t.objectStore("writes"));
          t.oncomplete = function () { resolve(out && out.result !== undefined ? out.result : out); };
          t.onerror = t.onabort = function () { reject(t.error || new Error("aborted")); };
        });
      });
    }

    return {
      addAll: function (entries) {
        return tx("readwrite", function (store) { entries.forEach(function (e) { store.add(e); }); });
      },
      put: function (entry) { return tx("readwrite", function (store) { store.put(entry); }); },
      remove: function (seq) { return tx("readwrite", function (store) { store.delete(seq); }); },
      list: function () { return tx("readonly", function (store) { return store.getAll(); }); }
    };
  })();

  // IndexedDB refused the write: a full device says so (and what to do); nothing already kept is affected
  function refusedText(dataset, error) {
    var full = error && (error.name === "QuotaExceededError" || /quota/i.test(error.message || ""));
    var panel = document.getElementById("vs-sync");
    return (full && (dataset.msgQuota || (panel && panel.dataset.msgQuota))) || dataset.msgNoStorage;
  }

  function newWrite(visit, kind, fields) {
    var entry = {visit: String(visit), kind: kind, uuid: uuid4(), state: "waiting", attempts: 0, made: Date.now()};
    Object.keys(fields).forEach(function (k) { entry[k] = fields[k]; });
    return entry;
  }

  /* ------------------------------------------------------------ sync (in order, with back-off) */

  var Sync = {busy: false, again: false, timer: null, delay: 0, last: null, offline: false, listeners: []};

  function emit(what, entry, data) { Sync.listeners.forEach(function (fn) { fn(what, entry, data); }); }

  function csrfToken() {
    // the cookie first: a page served from the offline cache may carry an older form token
    var m = /(?:^|;\s*)csrftoken=([^;]+)/.exec(document.cookie);
    return m ? decodeURIComponent(m[1]) : csrf();
  }

  function request(entry) {
    var headers = {"X-CSRFToken": csrfToken(), "Accept": "application/json", "X-Client-UUID": entry.uuid};
    var init = {method: entry.method || "POST", credentials: "same-origin", headers: headers};
    if (entry.blob) {
      var form = new FormData();
      form.append("client_uuid", entry.uuid);
      form.append("sha256", entry.sha256);
      form.append("photo", entry.blob, entry.name || "photo.jpg");
      init.body = form;
    } else if (entry.json) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(Object.assign({client_uuid: entry.uuid}, entry.json));
    }
    return fetch(entry.url, init);
  }

  function reasonOf(response) {
    return response.text().then(function (text) {
      try { return errorText(JSON.parse(text)) || String(response.status); }
      catch (e) { return "HTTP " + response.status; }
    });
  }

  // One write: "done", "kept" (refused, stays on the device) or "retry" (no answer: the network or the server).
  function sendOne(entry) {
    return request(entry).then(function (r) {
      Sync.offline = false;  // an answer came: the panel no longer says "offline"
      if (r.ok) {
        return r.text().then(function (t) {
          var data = null;
          try { data = t ? JSON.parse(t) : null; } catch (e) { /* 204 */ }
          return Outbox.remove(entry.seq).then(function () { emit("accepted", entry, data); return "done"; });
        });
      }
      // signed out meanwhile (the session ran out while offline): the writes wait for the next sign-in
      Sync.login = r.status === 401;
      if (r.status >= 500 || r.status === 408 || r.status === 429 || r.status === 401) return "retry";
      return reasonOf(r).then(function (reason) {
        entry.state = r.status === 409 ? "conflict" : "failed";
        entry.status = r.status; entry.error = reason; entry.answered = Date.now();
        return Outbox.put(entry).then(function () { emit("refused", entry); return "kept"; });
      });
    }, function () {
      if (entry.kind !== "checkin" || entry.json.captured_offline) return "retry";
      entry.json.captured_offline = true;  // pressed online, but the network was gone before it arrived
      return Outbox.put(entry).then(function () { return "retry"; });
    });
  }

  function sendWaiting(entries) {
    var waiting = entries.filter(function (e) { return e.state === "waiting"; })
      .sort(function (a, b) { return a.seq - b.seq; });
    var chain = Promise.resolve("done");
    waiting.forEach(function (entry) {
      chain = chain.then(function (outcome) { return outcome === "retry" ? "retry" : sendOne(entry); });
    });
    return chain;
  }

  function scheduleRetry() {
    // 1 s, 2 s, 4 s … at most a minute; the "online" event does not wait for it
    Sync.delay = Math.min(60000, Sync.delay ? Sync.delay * 2 : 1000);
    clearTimeout(Sync.timer);
    Sync.timer = setTimeout(syncNow, Sync.delay);
  }

  function syncNow() {
    if (Sync.busy) { Sync.again = true; return Promise.resolve(); }
    Sync.busy = true; Sync.again = false;
    return Outbox.list().then(sendWaiting).then(function (outcome) {
      Sync.offline = outcome === "retry";
      if (Sync.offline) scheduleRetry(); else { Sync.delay = 0; Sync.last = new Date(); }
    }).catch(function () { Sync.offline = true; scheduleRetry(); })
      .then(function () {
        Sync.busy = false;
        emit("round");
        if (Sync.again) return syncNow();
      });
  }

  window.addEventListener("online", function () { Sync.delay = 0; syncNow(); });

  /* ------------------------------------------------------------ sync panel */

  function initSyncPanel(panel, visit) {
    var count = panel.querySelector(".vs-sync__count");
    var list = panel.querySelector(".vs-sync__failures");
    var m = panel.dataset;

    function kindLabel(e) { return m["msgKind" + e.kind.charAt(0).toUpperCase() + e.kind.slice(1)] || e.kind; }

    function time(d) { return d ? d.toLocaleTimeString(document.documentElement.lang || undefined, {hour: "2-digit", minute: "2-digit"}) : ""; }

    function row(e) {
      var li = document.createElement("li");
      li.dataset.state = e.state;
      var head = document.createElement("b");
      head.textContent = (e.state === "conflict" ? m.msgConflict : m.msgRefused) + " · " + kindLabel(e) + (e.label ? " " + e.label : "");
      var why = document.createElement("span");
      why.textContent = e.error || "";
      var retry = document.createElement("button");
      retry.type = "button"; retry.className = "dd-btn dd-btn--secondary vs-sync__retry"; retry.textContent = m.msgRetry;
      retry.addEventListener("click", function () {
        e.state = "waiting"; e.error = "";
        Outbox.put(e).then(syncNow).then(refresh);
      });
      var discard = document.createElement("button");
      discard.type = "button"; discard.className = "dd-btn dd-btn--secondary vs-sync__discard"; discard.textContent = m.msgDiscard;
      discard.addEventListener("click", function () {
        // the inspector's decision, never the sync's: the confirmation says what is thrown away
        if (!window.confirm(m.msgConfirmDiscard.replace("{what}", kindLabel(e) + (e.label ? " " + e.label : "")))) return;
        Outbox.remove(e.seq).then(refresh);
      });
      li.append(head, " ", why, " ", retry, " ", discard);
      return li;
    }

    function refresh() {
      return Outbox.list().then(function (all) {
        var mine = all.filter(function (e) { return e.visit === String(visit); });
        var waiting = mine.filter(function (e) { return e.state === "waiting"; }).length;
        var kept = mine.filter(function (e) { return e.state !== "waiting"; });
        var parts = [];
        if (waiting) parts.push(m.msgWaiting.replace("{n}", waiting) + (Sync.login ? " · " + m.msgLogin : Sync.offline ? " · " + m.msgOffline : ""));
        else if (!kept.length) parts.push(m.msgAllSaved);
        if (kept.length) parts.push(m.msgFailures.replace("{n}", kept.length));
        if (Sync.last) parts.push(m.msgLast.replace("{t}", time(Sync.last)));
        count.textContent = parts.join(" · ");
        panel.dataset.waiting = waiting;
        panel.dataset.kept = kept.length;
        panel.dataset.state = kept.length ? "failed" : (waiting ? "waiting" : "synced");
        document.documentElement.dataset.vsOutbox = waiting;
        list.replaceChildren.apply(list, kept.map(row));
        list.hidden = !kept.length;
      }).catch(function () { count.textContent = m.msgNoStorage; panel.dataset.state = "failed"; });
    }

    Sync.listeners.push(function (what) { if (what === "round" || what === "refused") refresh(); });
    return refresh;
  }

  /* ------------------------------------------------------------ photos: resized on the device */

  var PHOTO_MAX_SIDE = 1600;

  function shrink(file) {
    // A bounded JPEG drawn on a canvas: a 12-megapixel photo waits in the outbox as a few hundred kB, and the
    // canvas drops whatever else the file carried (EXIF included; the device time is kept in the write).
    return createImageBitmap(file, {imageOrientation: "from-image"}).then(function (bitmap) {
      var scale = Math.min(1, PHOTO_MAX_SIDE / Math.max(bitmap.width, bitmap.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      bitmap.close && bitmap.close();
      return new Promise(function (resolve, reject) {
        canvas.toBlob(function (blob) { blob ? resolve(blob) : reject(new Error("toBlob")); }, "image/jpeg", 0.85);
      });
    });
  }

  function sha256Hex(blob) {
    return blob.arrayBuffer().then(function (buf) { return crypto.subtle.digest("SHA-256", buf); }).then(function (d) {
      return Array.prototype.map.call(new Uint8Array(d), function (x) { return (x + 256).toString(16).slice(1); }).join("");
    });
  }

  function photoWrites(visit, findingUuid, files, urlFor) {
    return Promise.all(Array.prototype.map.call(files, function (file) {
      return shrink(file).then(function (blob) {
        return sha256Hex(blob).then(function (sha) {
          return newWrite(visit, "photo", {url: urlFor(findingUuid), finding: findingUuid, blob: blob, sha256: sha,
                                           name: (file.name || "photo").replace(/\.[^.]*$/, "") + ".jpg"});
        });
      });
    }));
  }

  /* ------------------------------------------------------------ checklist */

  function initConduct(root) {
    var visit = root.dataset.visit;
    var sections = root.querySelectorAll(".vs-section");
    var total = parseInt(root.dataset.total, 10);
    var dialog = document.getElementById("vs-finding-dialog");
    var form = document.getElementById("vs-finding-form");
    var panel = document.getElementById("vs-sync");
    var refreshPanel = panel ? initSyncPanel(panel, visit) : function () {};
    var findingUrl = function (u) { return root.dataset.findingUuidUrl.replace("00000000-0000-0000-0000-000000000000", u); };
    var photoUrl = function (u) { return findingUrl(u) + "photo/"; };

    function showSection(index) {
      index = Math.max(0, Math.min(sections.length - 1, index));
      sections.forEach(function (s, i) { s.hidden = i !== index; });
      root.querySelectorAll(".vs-tab").forEach(function (t, i) { t.setAttribute("aria-current", i === index ? "step" : "false"); });
      store("vs:" + visit + ":section", index);
      if (history.replaceState) history.replaceState(null, "", "#s" + index);
    }

    function refreshProgress() {
      var done = root.querySelectorAll(".vs-item[data-result]:not([data-result=''])").length;
      document.getElementById("vs-progress").textContent = done + "/" + total;
      root.querySelector(".vs-progress__bar").style.width = (total ? (100 * done / total) : 0) + "%";
      sections.forEach(function (s, i) {
        var items = s.querySelectorAll(".vs-item").length;
        var answered = s.querySelectorAll(".vs-item[data-result]:not([data-result=''])").length;
        var badge = root.querySelector("[data-tab-count='" + i + "']");
        if (badge) badge.textContent = " " + answered + "/" + items;
      });
    }

    function status(el, text, kind) {
      if (!el) return;
      el.textContent = text || "";
      el.dataset.kind = kind || "";
    }

    function itemStatus(article) { return article.querySelector(".vs-item__status"); }

    function applyChoice(article, value) {
      article.dataset.result = value;
      article.querySelectorAll(".vs-choice").forEach(function (b) {
        b.setAttribute("aria-pressed", b.dataset.value === value ? "true" : "false");
      });
    }

    function stateText(e) {
      if (e.state === "conflict") return root.dataset.msgConflict + e.error;
      if (e.state === "failed") return root.dataset.msgRefused + e.error;
      return root.dataset.msgQueued;
    }

    function noStorage(el, error) {
      status(el, refusedText(root.dataset, error), "error");
    }

    /* answers and notes */
    function save(article) {
      var itemId = article.dataset.item;
      if (!article.dataset.result) return;  // a note waits for its result
      var write = newWrite(visit, "result", {url: root.dataset.resultsUrl, item: itemId, label: article.dataset.code,
        json: {item: parseInt(itemId, 10), result: article.dataset.result, note: article.querySelector(".vs-note-input").value}});
      article.dataset.pending = write.uuid;
      return Outbox.addAll([write]).then(function () {
        if (article.dataset.pending === write.uuid) status(itemStatus(article), root.dataset.msgQueued, "queued");
        refreshPanel();
        syncNow();
      }, function (error) { noStorage(itemStatus(article), error); });
    }

    /* findings: a card per finding, from the server's HTML or from the outbox */
    function findingCard(uuid) { return root.querySelector(".vs-finding[data-uuid='" + uuid + "']"); }

    function addLocalCard(e) {
      var article = e.json.item ? root.querySelector(".vs-item[data-item='" + e.json.item + "']") : null;
      var holder = article ? article.querySelector(".vs-findings") : (root.querySelector(".vs-loose-findings") || root);
      var card = document.createElement("div");
      card.className = "vs-finding";
      card.dataset.uuid = e.finding;
      var sev = form.querySelector("select[name=severity] option[value='" + (e.json.severity || "general") + "']");
      card.innerHTML = '<div class="vs-finding__head"><span class="vs-sev"></span></div>' +
        '<p class="vs-finding__text"></p><div class="vs-thumbs"></div><p class="vs-finding__status" aria-live="polite"></p>';
      card.querySelector(".vs-sev").classList.add("vs-sev--" + (e.json.severity || "general"));
      card.querySelector(".vs-sev").textContent = sev ? sev.textContent : "";
      card.querySelector(".vs-finding__text").textContent = e.json.description;
      holder.appendChild(card);
      addDeleteButton(card);
      return card;
    }

    function addDeleteButton(card) {
      if (!card.dataset.uuid || card.querySelector(".vs-finding__remove")) return;
      var old = card.querySelector(".vs-finding__delete");  // the server's confirmation page: online only
      if (old) old.remove();
      var del = document.createElement("button");
      del.type = "button";
      del.className = "dd-btn dd-btn--secondary vs-finding__remove vs-noprint";
      del.textContent = root.dataset.msgDelete;
      card.appendChild(del);
    }

    function cardStatus(card) {
      var el = card.querySelector(".vs-finding__status");
      if (!el) {
        el = document.createElement("p");
        el.className = "vs-finding__status";
        card.insertBefore(el, card.querySelector(".vs-finding__remove"));
      }
      return el;
    }

    function addLocalThumb(card, e) {
      var img = document.createElement("img");
      img.src = URL.createObjectURL(e.blob);
      img.alt = "";
      img.dataset.write = e.uuid;
      img.dataset.state = e.state;
      card.querySelector(".vs-thumbs") || card.insertBefore(Object.assign(document.createElement("div"), {className: "vs-thumbs"}), card.querySelector(".vs-finding__status"));
      card.querySelector(".vs-thumbs").appendChild(img);
    }

    function checkInState(e) {
      // a visit still planned on this page: the checklist opens only with a check-in kept on the tablet
      var box = document.getElementById("vs-checkin-state");
      root.classList.toggle("vs-locked", !e);
      if (!box) return;
      box.hidden = false;
      if (!e) { box.querySelector("span").textContent = root.dataset.msgNotCheckedIn; return; }
      box.querySelector("a").hidden = true;
      status(box.querySelector("span"), e.state === "waiting" ? root.dataset.msgCheckinQueued.replace("{t}", clock(new Date(e.json.device_at)))
        : stateText(e), e.state === "waiting" ? "queued" : "error");
    }

    function showPending(entries) {
      // what the outbox holds for this visit, drawn over the server's (possibly cached) page
      if (root.dataset.planned) checkInState(checkInOf(entries, visit));
      entries.filter(function (e) { return e.visit === String(visit); }).sort(function (a, b) { return a.seq - b.seq; })
        .forEach(function (e) {
          if (e.kind === "result") {
            var article = root.querySelector(".vs-item[data-item='" + e.item + "']");
            if (!article) return;
            applyChoice(article, e.json.result);
            article.querySelector(".vs-note-input").value = e.json.note || "";
            article.dataset.pending = e.uuid;
            status(itemStatus(article), stateText(e), e.state === "waiting" ? "queued" : "error");
          } else if (e.kind === "finding") {
            var card = findingCard(e.finding) || addLocalCard(e);
            status(cardStatus(card), stateText(e), e.state === "waiting" ? "queued" : "error");
          } else if (e.kind === "photo") {
            var holder = findingCard(e.finding);
            if (holder) addLocalThumb(holder, e);
          } else if (e.kind === "delete") {
            var gone = findingCard(e.finding);
            if (gone && e.state === "waiting") gone.hidden = true;
            else if (gone) status(cardStatus(gone), stateText(e), "error");
          }
        });
    }

    Sync.listeners.push(function (what) { if (what === "round" && !Sync.offline) keepForOffline(); });
    Sync.listeners.push(function (what, e, data) {
      if (!e || e.visit !== String(visit)) return;
      if (e.kind === "checkin") {
        var box = document.getElementById("vs-checkin-state");
        if (box) status(box.querySelector("span"), what === "accepted" ? root.dataset.msgCheckinSaved : stateText(e),
                        what === "accepted" ? "saved" : "error");
      } else if (e.kind === "result") {
        var article = root.querySelector(".vs-item[data-item='" + e.item + "']");
        if (article && article.dataset.pending === e.uuid) {
          status(itemStatus(article), what === "accepted" ? root.dataset.msgSaved : stateText(e), what === "accepted" ? "saved" : "error");
        }
      } else if (e.kind === "finding" || e.kind === "delete") {
        var card = findingCard(e.finding);
        if (card && what === "accepted" && e.kind === "finding") status(cardStatus(card), root.dataset.msgSaved, "saved");
        else if (card && what === "refused") { card.hidden = false; status(cardStatus(card), stateText(e), "error"); }
      } else if (e.kind === "photo") {
        var img = root.querySelector("img[data-write='" + e.uuid + "']");
        if (img) { img.dataset.state = what === "accepted" ? "saved" : e.state; img.title = e.error || ""; }
      }
    });

    root.addEventListener("click", function (ev) {
      var choice = ev.target.closest(".vs-choice");
      var goto = ev.target.closest("[data-goto]");
      var add = ev.target.closest(".vs-add-finding");
      var remove = ev.target.closest(".vs-finding__remove");
      if (goto) { showSection(parseInt(goto.dataset.goto, 10)); window.scrollTo(0, 0); return; }
      if (add) { openFinding(add.closest(".vs-item")); return; }
      if (remove) { removeFinding(remove.closest(".vs-finding")); return; }
      if (!choice) return;
      var article = choice.closest(".vs-item");
      applyChoice(article, choice.dataset.value);
      refreshProgress();
      save(article);
      if (choice.dataset.value === "fail" && !article.querySelector(".vs-finding:not([hidden])")) openFinding(article);
    });

    var noteTimers = {};
    root.addEventListener("input", function (ev) {
      if (!ev.target.classList.contains("vs-note-input")) return;
      var article = ev.target.closest(".vs-item");
      clearTimeout(noteTimers[article.dataset.item]);
      noteTimers[article.dataset.item] = setTimeout(function () { save(article); }, 700);
    });

    function removeFinding(card) {
      if (!window.confirm(root.dataset.msgConfirmDelete)) return;
      var write = newWrite(visit, "delete", {url: findingUrl(card.dataset.uuid), method: "DELETE", finding: card.dataset.uuid,
                                             label: card.querySelector(".vs-finding__text").textContent.slice(0, 30)});
      Outbox.addAll([write]).then(function () { card.hidden = true; refreshPanel(); syncNow(); },
                                  function (error) { noStorage(cardStatus(card), error); });
    }

    /* the finding dialog */
    function draftKey(itemId) { return "vs:" + visit + ":finding:" + (itemId || "none"); }

    function openFinding(article) {
      var itemId = article ? article.dataset.item : "";
      var draft = load(draftKey(itemId)) || {};
      form.reset();
      form.item.value = itemId;
      form.client_uuid.value = draft.client_uuid || uuid4();
      form.description.value = draft.description || "";
      form.severity.value = draft.severity || (article ? article.dataset.severity : "general");
      form.hazard.checked = draft.hazard !== undefined ? draft.hazard : (article && article.dataset.hazard === "1");
      form.needs_rectification.checked = draft.needs_rectification !== undefined ? draft.needs_rectification : true;
      document.getElementById("vs-finding-item").textContent = article ? article.dataset.code : "";
      document.getElementById("vs-photo-previews").innerHTML = "";
      document.getElementById("vs-finding-error").textContent = "";
      saveDraft();
      if (dialog.showModal) dialog.showModal(); else dialog.setAttribute("open", "");
      form.description.focus();
    }

    function saveDraft() {
      store(draftKey(form.item.value), {
        client_uuid: form.client_uuid.value, description: form.description.value, severity: form.severity.value,
        hazard: form.hazard.checked, needs_rectification: form.needs_rectification.checked
      });
    }

    form.addEventListener("input", saveDraft);
    form.addEventListener("change", function (ev) {
      saveDraft();
      if (ev.target.name !== "photos") return;
      var box = document.getElementById("vs-photo-previews");
      box.innerHTML = "";
      Array.prototype.forEach.call(ev.target.files, function (file) {
        var img = document.createElement("img");
        img.src = URL.createObjectURL(file);
        img.alt = file.name;
        box.appendChild(img);
      });
    });

    document.getElementById("vs-finding-cancel").addEventListener("click", function () { dialog.close(); });

    function findingWrite() {
      var json = {description: form.description.value, hazard: form.hazard.checked,
                  needs_rectification: form.needs_rectification.checked, severity: form.severity.value};
      if (form.item.value) json.item = parseInt(form.item.value, 10);
      var write = newWrite(visit, "finding", {url: root.dataset.findingsUrl, json: json,
                                              label: form.description.value.slice(0, 30)});
      write.uuid = write.finding = form.client_uuid.value;  // the finding's own UUID names it for photos and deletion
      return write;
    }

    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var error = document.getElementById("vs-finding-error");
      var saveBtn = document.getElementById("vs-finding-save");
      if (!form.description.value.trim()) { error.textContent = root.dataset.msgDescription; return; }
      saveBtn.disabled = true;
      var finding = findingWrite();
      photoWrites(visit, finding.finding, form.photos.files, photoUrl).then(function (photos) {
        // the finding and its photos enter the outbox in one transaction: all of them or none
        return Outbox.addAll([finding].concat(photos)).then(function () { return photos; });
      }, function () { throw {photos: true}; }).then(function (photos) {
        saveBtn.disabled = false;
        store(draftKey(form.item.value), undefined);
        var card = addLocalCard(finding);
        photos.forEach(function (p) { addLocalThumb(card, p); });
        status(cardStatus(card), root.dataset.msgQueued, "queued");
        dialog.close();
        refreshPanel();
        syncNow();
      }).catch(function (e) {
        saveBtn.disabled = false;
        // the dialog stays open with everything typed (and its draft in localStorage): nothing is lost
        error.textContent = e && e.photos ? root.dataset.msgPhotos : refusedText(root.dataset, e);
      });
    });

    function adoptLocalStorage() {
      // answers an earlier version of this screen left in localStorage move into the outbox once
      var key = "vs:" + visit + ":pending", old = load(key) || {};
      var writes = Object.keys(old).map(function (itemId) {
        return newWrite(visit, "result", {url: root.dataset.resultsUrl, item: itemId, json: old[itemId]});
      });
      if (!writes.length) return Promise.resolve();
      return Outbox.addAll(writes).then(function () { store(key, undefined); });
    }

    root.querySelectorAll(".vs-finding[data-uuid]").forEach(addDeleteButton);
    var hash = /^#s(\d+)$/.exec(window.location.hash);
    var last = load("vs:" + visit + ":section");
    showSection(hash ? parseInt(hash[1], 10) : (last || 0));
    adoptLocalStorage().then(Outbox.list).then(showPending).then(refreshProgress).then(refreshPanel)
      .catch(function () { if (panel) panel.querySelector(".vs-sync__count").textContent = root.dataset.msgNoStorage; })
      .then(syncNow);
    refreshProgress();
  }

  /* ------------------------------------------------------------ signature pad */

  function initSignature(root) {
    var canvas = document.getElementById("vs-pad");
    if (!canvas) return;
    var name = document.getElementById("vs-rep-name");
    var error = document.getElementById("vs-sign-error");
    var nameKey = "vs:" + root.dataset.visit + ":rep";
    var ctx = canvas.getContext("2d");
    var drawn = false, drawing = false, last = null;

    function size() {
      var ratio = window.devicePixelRatio || 1;
      var rect = canvas.getBoundingClientRect();
      canvas.width = Math.round(rect.width * ratio);
      canvas.height = Math.round(rect.height * ratio);
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.lineWidth = 2.5; ctx.lineCap = "round"; ctx.lineJoin = "round"; ctx.strokeStyle = "#111";
      drawn = false;
    }

    function point(ev) {
      var rect = canvas.getBoundingClientRect();
      return {x: ev.clientX - rect.left, y: ev.clientY - rect.top};
    }

    canvas.addEventListener("pointerdown", function (ev) {
      ev.preventDefault();
      canvas.setPointerCapture(ev.pointerId);
      drawing = true; last = point(ev);
      ctx.beginPath(); ctx.arc(last.x, last.y, 1, 0, 2 * Math.PI); ctx.fill();
      drawn = true;
    });
    canvas.addEventListener("pointermove", function (ev) {
      if (!drawing) return;
      ev.preventDefault();
      var p = point(ev);
      ctx.beginPath(); ctx.moveTo(last.x, last.y); ctx.lineTo(p.x, p.y); ctx.stroke();
      last = p; drawn = true;
      root.classList.add("vs-has-ink");
    });
    ["pointerup", "pointercancel", "pointerleave"].forEach(function (t) {
      canvas.addEventListener(t, function () { drawing = false; });
    });

    document.getElementById("vs-pad-clear").addEventListener("click", function () {
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      drawn = false;
      root.classList.remove("vs-has-ink");
    });

    name.value = load(nameKey) || "";
    name.addEventListener("input", function () { store(nameKey, name.value); });

    document.getElementById("vs-sign-save").addEventListener("click", function () {
      if (!drawn) { error.textContent = root.dataset.msgEmpty; return; }
      if (!name.value.trim()) { error.textContent = root.dataset.msgName; return; }
      error.textContent = "";
      // through the outbox, after every answer and finding made before it (the server checks completeness)
      queueAndFollow(root, "sign", {representative_name: name.value, signature: canvas.toDataURL("image/png")},
                     error, function () { store(nameKey, undefined); }, true);
    });
    size();
    window.addEventListener("resize", function () { if (!drawn) size(); });
  }

  /* ------------------------------------------------------------ signature and submission via the outbox */

  function queueAndFollow(root, kind, json, say, kept, offlineNext) {
    // Kept on the device first; once the server accepts it the screen moves on, a refusal is said here.
    // `offlineNext`: with no network the screen moves on at once (the signature: on to the summary, drawn from
    // the tablet's state, where the lead inspector submits); otherwise it stays, saying the write waits.
    var write = newWrite(root.dataset.visit, kind, {url: root.dataset.url, json: json, label: ""}), queued = false;
    var button = root.querySelector("[data-outbox-button]");
    if (button) button.disabled = true;
    Sync.listeners.push(function (what, e) {
      if (what === "round" && queued && offlineNext && Sync.offline) { queued = false; window.location.href = root.dataset.next; return; }
      if (!e || e.uuid !== write.uuid || (what !== "accepted" && what !== "refused")) return;
      if (what === "accepted") { window.location.href = root.dataset.next; return; }
      say.textContent = (e.state === "conflict" ? root.dataset.msgConflict : root.dataset.msgRefused) + e.error;
      say.dataset.kind = "error";
      if (button) button.disabled = false;
    });
    return Outbox.addAll([write]).then(function () {
      kept();
      queued = true;
      say.textContent = root.dataset.msgQueued;
      say.dataset.kind = "queued";
      emit("queued", write);
      syncNow();
    }, function (error) { say.textContent = refusedText(root.dataset, error); if (button) button.disabled = false; });
  }

  function initSubmit(form) {
    var say = form.querySelector(".vs-form-error");
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var area = form.querySelector("textarea[name=summary]");
      queueAndFollow(form, "submit", {summary: area.value}, say, function () { store(area.dataset.draft, undefined); });
    });
  }

  function initVisitSyncPanel() {
    var panel = document.getElementById("vs-sync");
    if (!panel || panel.dataset.vsReady || document.getElementById("vs-conduct")) return;
    panel.dataset.vsReady = "1";
    initSyncPanel(panel, panel.dataset.visit)();
    syncNow();
  }

  /* ------------------------------------------------------------ plain textarea drafts */

  function initDrafts() {
    document.querySelectorAll("textarea[data-draft]:not([data-vs-ready])").forEach(function (area) {
      area.dataset.vsReady = "1";
      var saved = load(area.dataset.draft);
      if (saved && !area.value) area.value = saved;
      area.addEventListener("input", function () { store(area.dataset.draft, area.value); });
      if (area.form) area.form.addEventListener("submit", function () { store(area.dataset.draft, undefined); });
    });
  }

  /* ------------------------------------------------------------ planning */

  function initPlan(form) {
    // Picking a school reloads the form with the inspectors who may inspect it (the button does it without JS).
    var school = form.querySelector("select[name=school]");
    var refresh = document.getElementById("vs-plan-refresh");
    if (!school || !refresh) return;
    refresh.classList.add("vs-js-hidden");
    school.addEventListener("change", function () { refresh.click(); });
  }

  function once(el) {
    // Turbo (viewflow's shell) swaps pages without a reload: each screen is set up once per element.
    if (!el || el.dataset.vsReady) return null;
    el.dataset.vsReady = "1";
    return el;
  }

  /* ------------------------------------------------------------ offline shell (static/dudao/sw.js) */

  function pageUrls() {
    // what this page needed: itself, its styles, scripts, fonts and photos (same origin only)
    var urls = [location.href.split("#")[0]];
    performance.getEntriesByType("resource").forEach(function (e) { urls.push(e.name); });
    document.querySelectorAll("link[rel=stylesheet][href], script[src], img[src], link[rel=manifest]").forEach(function (el) {
      urls.push(el.href || el.src);
    });
    // and the visit's other screens the page names, so the whole visit opens offline (check-in to signature)
    document.querySelectorAll("[data-offline-urls]").forEach(function (el) {
      el.dataset.offlineUrls.split(" ").forEach(function (u) { if (u) urls.push(new URL(u, location.href).href); });
    });
    return urls.filter(function (u, i) {
      return u.indexOf(location.origin + "/") === 0 && urls.indexOf(u) === i && u.indexOf("/api/") < 0 && u.indexOf("/ws/") < 0;
    });
  }

  function keepForOffline() {
    var meta = document.querySelector("meta[name=dudao-sw]");
    if (!meta || !("serviceWorker" in navigator) || !navigator.onLine) return;
    navigator.serviceWorker.register(meta.content).then(function () { return navigator.serviceWorker.ready; })
      .then(function (reg) {
        var channel = new MessageChannel();
        channel.port1.onmessage = function (ev) {
          document.documentElement.dataset.vsOfflineReady = ev.data.entries + ":" + ev.data.bytes;
        };
        reg.active.postMessage({type: "cache", urls: pageUrls()}, [channel.port2]);
      }).catch(function () { /* no offline copy: the page still works online */ });
  }

  function init() {
    keepForOffline();
    var checkIn = once(document.getElementById("vs-checkin"));
    if (checkIn) initCheckIn(checkIn);
    var conduct = once(document.getElementById("vs-conduct"));
    if (conduct) initConduct(conduct);
    var sign = once(document.getElementById("vs-sign"));
    if (sign) initSignature(sign);
    var submit = once(document.getElementById("vs-submit-form"));
    if (submit) initSubmit(submit);
    initVisitSyncPanel();
    initDrafts();
    var planForm = once(document.getElementById("vs-plan"));
    if (planForm) initPlan(planForm);
    var print = once(document.getElementById("vs-print"));
    if (print) print.addEventListener("click", function () { window.print(); });
  }

  // for static/dudao/visit_state.js (the summary and sign screens drawn from the tablet's state)
  window.DudaoVisit = {Outbox: Outbox, Sync: Sync, syncNow: syncNow};
  document.addEventListener("turbo:load", init);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
