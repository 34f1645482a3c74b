/* Dudao visit screens for tablets: check-in, checklist, findings with photos, signature pad.
 * Every answer is saved as it is given (fetch to the JSON API). Until the server has
 * confirmed it, the answer also waits in localStorage, so a reload or a lost connection
 * loses nothing typed; pending answers are re-sent on load and when the tablet is back online.
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

  function postJSON(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf(), "Accept": "application/json"},
      body: JSON.stringify(body)
    });
  }

  function errorText(data) {
    if (!data) return "";
    if (typeof data === "string") return data;
    if (data.detail) return data.detail;
    return Object.keys(data).map(function (k) { return [].concat(data[k]).join(" "); }).join(" ");
  }

  /* ------------------------------------------------------------ check-in */

  function initCheckIn(button) {
    var msg = document.getElementById("vs-geo-msg");
    function say(text) { msg.textContent = text; }
    function send(body) {
      postJSON(button.dataset.url, body).then(function (r) {
        if (r.ok) { window.location.href = button.dataset.next; return; }
        return r.json().then(function (d) { say(errorText(d) || button.dataset.msgFailed); button.disabled = false; });
      }).catch(function () { say(button.dataset.msgFailed); button.disabled = false; });
    }
    button.addEventListener("click", function () {
      button.disabled = true;
      if (!navigator.geolocation) { say(button.dataset.msgUnavailable); send({geo_status: "unavailable"}); return; }
      say(button.dataset.msgLocating);
      navigator.geolocation.getCurrentPosition(function (pos) {
        send({geo_status: "ok", latitude: pos.coords.latitude, longitude: pos.coords.longitude,
              accuracy: pos.coords.accuracy});
      }, function (err) {
        var denied = err && err.code === 1;
        say(denied ? button.dataset.msgDenied : button.dataset.msgUnavailable);
        // the message stays readable for a moment before the checklist opens
        setTimeout(function () { send({geo_status: denied ? "denied" : "unavailable"}); }, 1200);
      }, {enableHighAccuracy: true, timeout: 10000, maximumAge: 60000});
    });
  }

  /* ------------------------------------------------------------ checklist */

  function initConduct(root) {
    var visit = root.dataset.visit;
    var pendingKey = "vs:" + visit + ":pending";
    var sections = root.querySelectorAll(".vs-section");
    var total = parseInt(root.dataset.total, 10);
    var dialog = document.getElementById("vs-finding-dialog");
    var form = document.getElementById("vs-finding-form");

    function pending() { return load(pendingKey) || {}; }
    function setPending(itemId, value) {
      var all = pending();
      if (value) all[itemId] = value; else delete all[itemId];
      store(pendingKey, Object.keys(all).length ? all : undefined);
    }

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

    function status(article, text, kind) {
      var el = article.querySelector(".vs-item__status");
      el.textContent = text || "";
      el.dataset.kind = kind || "";
    }

    function applyChoice(article, value) {
      article.dataset.result = value;
      article.querySelectorAll(".vs-choice").forEach(function (b) {
        b.setAttribute("aria-pressed", b.dataset.value === value ? "true" : "false");
      });
    }

    function save(article) {
      var itemId = article.dataset.item;
      var body = {item: parseInt(itemId, 10), result: article.dataset.result,
                  note: article.querySelector(".vs-note-input").value};
      if (!body.result) { return; }  // a note waits (in localStorage) for its result
      setPending(itemId, body);
      status(article, root.dataset.msgSaving, "saving");
      return postJSON(root.dataset.resultsUrl, body).then(function (r) {
        if (r.ok) {
          var current = pending()[itemId];
          if (current && current.result === body.result && current.note === body.note) setPending(itemId, null);
          status(article, root.dataset.msgSaved, "saved");
          return;
        }
        if (r.status >= 400 && r.status < 500) setPending(itemId, null);  // refused: keep the server's truth
        return r.json().then(function (d) { status(article, errorText(d) || root.dataset.msgError, "error"); });
      }).catch(function () { status(article, root.dataset.msgOffline, "offline"); });
    }

    function resendPending() {
      var all = pending();
      Object.keys(all).forEach(function (itemId) {
        var article = root.querySelector(".vs-item[data-item='" + itemId + "']");
        if (!article) { setPending(itemId, null); return; }
        applyChoice(article, all[itemId].result);
        article.querySelector(".vs-note-input").value = all[itemId].note || "";
        save(article);
      });
    }

    root.addEventListener("click", function (ev) {
      var choice = ev.target.closest(".vs-choice");
      var goto = ev.target.closest("[data-goto]");
      var add = ev.target.closest(".vs-add-finding");
      if (goto) { showSection(parseInt(goto.dataset.goto, 10)); window.scrollTo(0, 0); return; }
      if (add) { openFinding(add.closest(".vs-item")); return; }
      if (!choice) return;
      var article = choice.closest(".vs-item");
      applyChoice(article, choice.dataset.value);
      refreshProgress();
      save(article);
      if (choice.dataset.value === "fail" && !article.querySelector(".vs-finding")) openFinding(article);
    });

    var noteTimers = {};
    root.addEventListener("input", function (ev) {
      if (!ev.target.classList.contains("vs-note-input")) return;
      var article = ev.target.closest(".vs-item");
      var itemId = article.dataset.item;
      setPending(itemId, {item: parseInt(itemId, 10), result: article.dataset.result, note: ev.target.value});
      clearTimeout(noteTimers[itemId]);
      noteTimers[itemId] = setTimeout(function () { save(article); }, 700);
    });

    /* findings */
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

    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var data = new FormData();
      ["client_uuid", "item", "description", "severity"].forEach(function (n) { if (form[n].value) data.append(n, form[n].value); });
      data.append("hazard", form.hazard.checked ? "true" : "false");
      data.append("needs_rectification", form.needs_rectification.checked ? "true" : "false");
      Array.prototype.forEach.call(form.photos.files, function (f) { data.append("photos", f); });
      var saveBtn = document.getElementById("vs-finding-save");
      saveBtn.disabled = true;
      fetch(root.dataset.findingsUrl, {method: "POST", credentials: "same-origin", body: data,
                                        headers: {"X-CSRFToken": csrf(), "Accept": "application/json"}})
        .then(function (r) {
          return r.json().then(function (d) {
            saveBtn.disabled = false;
            if (!r.ok) { document.getElementById("vs-finding-error").textContent = errorText(d); return; }
            store(draftKey(form.item.value), undefined);
            addFindingCard(d);
            dialog.close();
          });
        })
        .catch(function () {
          saveBtn.disabled = false;
          document.getElementById("vs-finding-error").textContent = root.dataset.msgOffline;
        });
    });

    function addFindingCard(f) {
      var article = root.querySelector(".vs-item[data-item='" + f.item + "']");
      var holder = article ? article.querySelector(".vs-findings") : root;
      if (holder.querySelector("[data-finding='" + f.id + "']")) return;  // a replay answers the same finding
      var card = document.createElement("div");
      card.className = "vs-finding";
      card.dataset.finding = f.id;
      var sev = form.severity.options[form.severity.selectedIndex];
      card.innerHTML = '<div class="vs-finding__head"><span class="vs-sev vs-sev--' + f.severity + '"></span></div>' +
        '<p class="vs-finding__text"></p><div class="vs-thumbs"></div>';
      card.querySelector(".vs-sev").textContent = sev ? sev.textContent : f.severity;
      card.querySelector(".vs-finding__text").textContent = f.description;
      f.photos.forEach(function (p) {
        var a = document.createElement("a");
        a.href = p.url; a.target = "_blank";
        var img = document.createElement("img");
        img.src = p.thumbnail; img.alt = "";
        a.appendChild(img);
        card.querySelector(".vs-thumbs").appendChild(a);
      });
      if (root.dataset.deleteUrl) {
        // the same confirmation screen as for findings rendered by the server
        var del = document.createElement("a");
        del.className = "vs-finding__delete vs-noprint";
        del.href = root.dataset.deleteUrl.replace("/findings/0/", "/findings/" + f.id + "/");
        del.textContent = root.dataset.msgDelete;
        card.appendChild(del);
      }
      holder.appendChild(card);
    }

    var hash = /^#s(\d+)$/.exec(window.location.hash);
    var last = load("vs:" + visit + ":section");
    showSection(hash ? parseInt(hash[1], 10) : (last || 0));
    resendPending();
    refreshProgress();
    window.addEventListener("online", resendPending);
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
      error.textContent = "";
      postJSON(root.dataset.url, {representative_name: name.value, signature: canvas.toDataURL("image/png")})
        .then(function (r) {
          if (r.ok) { store(nameKey, undefined); window.location.href = root.dataset.next; return; }
          return r.json().then(function (d) { error.textContent = errorText(d) || root.dataset.msgFailed; });
        })
        .catch(function () { error.textContent = root.dataset.msgFailed; });
    });
    size();
    window.addEventListener("resize", function () { if (!drawn) size(); });
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

  function init() {
    var checkIn = once(document.getElementById("vs-checkin"));
    if (checkIn) initCheckIn(checkIn);
    var conduct = once(document.getElementById("vs-conduct"));
    if (conduct) initConduct(conduct);
    var sign = once(document.getElementById("vs-sign"));
    if (sign) initSignature(sign);
    initDrafts();
    var planForm = once(document.getElementById("vs-plan"));
    if (planForm) initPlan(planForm);
    var print = once(document.getElementById("vs-print"));
    if (print) print.addEventListener("click", function () { window.print(); });
  }

  document.addEventListener("turbo:load", init);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
