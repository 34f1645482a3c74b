/* The summary and sign screens drawn from the tablet's own state (after static/dudao/visit.js).
 *
 * Offline these pages are the service worker's copies, often kept while the visit was still planned. Each
 * carries the server's state of the visit and the rules of its steps as JSON (#vs-state, made by
 * inspections/offline_state.py from the services' own constants). The writes this page saw accepted and those
 * waiting in the outbox are laid over it in their order, as the server will apply them: a check-in moves the
 * visit on only from a status the server checks in from, a signature only when every item is answered and each
 * item whose result needs a finding has one, a submission likewise. Refused writes do not count (they are in
 * the sync panel). Nothing here decides a threshold of its own: the lists come from the server.
 *
 * What is shown as done is only what the server accepted; the rest says it waits on the tablet. */
(function () {
  "use strict";
  var V = window.DudaoVisit;
  if (!V) return;

  function has(list, value) { return list.indexOf(value) >= 0; }

  function copy(base) {
    return {status: base.status, signed: base.signed, results: Object.assign({}, base.results),
            findings: base.findings.slice(), local: [], photos: {}, sign: null, submit: null};
  }

  function missing(state, base) {
    // items without an answer, and items whose answer needs a finding and has none
    var withFinding = {};
    state.findings.forEach(function (f) { if (f.item) withFinding[f.item] = true; });
    var unanswered = base.items.filter(function (i) { return !state.results[i[0]]; }).length;
    var needing = base.items.filter(function (i) {
      return has(base.rules.finding_required_for, state.results[i[0]]) && !withFinding[i[0]];
    }).length;
    return {unanswered: unanswered, needing: needing, complete: !unanswered && !needing};
  }

  var APPLY = {
    checkin: function (s, e, base) { if (has(base.rules.checkin_from, s.status)) s.status = base.rules.after.checkin; },
    result: function (s, e) { s.results[e.item] = e.json.result; },
    finding: function (s, e) {
      // a replay of a finding the server already holds (its answer was lost) is that finding, not a second one
      if (s.findings.some(function (f) { return f.uuid === e.finding; })) return;
      s.findings.push({uuid: e.finding, item: e.json.item || null}); s.local.push(e);
    },
    "delete": function (s, e) { s.findings = s.findings.filter(function (f) { return f.uuid !== e.finding; }); },
    photo: function (s, e) { (s.photos[e.finding] = s.photos[e.finding] || []).push(e); },
    sign: function (s, e, base) {
      if (!has(base.rules.sign_from, s.status) || !missing(s, base).complete) return;
      s.status = base.rules.after.sign; s.signed = true; s.sign = e;
    },
    submit: function (s, e, base) {
      if (!has(base.rules.submit_from, s.status) || !missing(s, base).complete) return;
      s.status = base.rules.after.submit; s.submit = e;
    }
  };

  function tabletState(base, writes) {
    var s = copy(base);
    writes.forEach(function (e) { if (APPLY[e.kind]) APPLY[e.kind](s, e, base); });
    return s;
  }

  function show(el, on) { if (el) el.hidden = !on; }

  function text(el, value) { if (el) el.textContent = value; }

  function fill(template, values) {
    return Object.keys(values).reduce(function (t, k) { return t.split("{" + k + "}").join(values[k]); }, template);
  }

  function counts(state, base) {
    var m = missing(state, base), failed = base.items.filter(function (i) {
      return has(base.rules.finding_required_for, state.results[i[0]]);
    }).length;
    return {a: base.items.length - m.unanswered, t: base.items.length, f: failed, n: state.findings.length, m: m};
  }

  function drawStatus(root, state, server, base) {
    // the header's chip: the server's status as far as its answers on this page tell; when the tablet is ahead
    // of it (writes waiting) the tablet's status, said to be kept on the tablet and not yet sent
    var chip = document.querySelector(".vs-chip--status");
    if (!chip || state.status === base.status) return;
    var label = base.labels.status[state.status] || state.status;
    chip.dataset.status = state.status;
    chip.textContent = state.status === server.status ? label : fill(root.dataset.msgLocalStatus, {s: label});
  }

  function writeState(root, e) { return e.accepted ? root.dataset.msgSaved : root.dataset.msgQueued; }

  function drawLocalSign(box, root, e) {
    if (!box) return;
    show(box, !!e);
    if (!e) return;
    var spans = box.querySelectorAll("span");
    text(spans[0], fill(root.dataset.msgLocalSigned, {name: e.json.representative_name}));
    text(spans[1], writeState(root, e));
    spans[1].dataset.kind = e.accepted ? "saved" : "queued";
    spans[0].parentNode.classList.toggle("vs-msg--waiting", !e.accepted);
    box.querySelector("img").src = e.json.signature;
  }

  /* ------------------------------------------------------------ the summary */

  function findingCard(root, base, state, e) {
    var card = document.createElement("div"), code = "—";
    base.items.forEach(function (i) { if (String(i[0]) === String(e.json.item)) code = i[1]; });
    card.className = "vs-sum-finding";
    card.dataset.uuid = e.finding;
    card.dataset.local = "1";
    card.innerHTML = '<b></b> <div class="vs-finding"><div class="vs-finding__head"><span class="vs-sev"></span></div>' +
      '<p class="vs-finding__text"></p><div class="vs-thumbs"></div><p class="vs-finding__status"></p></div>';
    text(card.querySelector("b"), code);
    var sev = card.querySelector(".vs-sev");
    sev.classList.add("vs-sev--" + (e.json.severity || "general"));
    text(sev, base.labels.severity[e.json.severity || "general"] || "");
    text(card.querySelector(".vs-finding__text"), e.json.description);
    (state.photos[e.finding] || []).forEach(function (p) {
      var img = document.createElement("img");
      img.src = URL.createObjectURL(p.blob); img.alt = "";
      card.querySelector(".vs-thumbs").appendChild(img);
    });
    var status = card.querySelector(".vs-finding__status");
    text(status, writeState(root, e));
    status.dataset.kind = e.accepted ? "saved" : "queued";
    return card;
  }

  function drawFindings(root, base, state) {
    var list = document.getElementById("vs-sum-findings");
    var kept = {};
    state.findings.forEach(function (f) { kept[f.uuid] = true; });
    list.querySelectorAll(".vs-sum-finding[data-local]").forEach(function (c) { c.remove(); });
    list.querySelectorAll(".vs-sum-finding[data-uuid]").forEach(function (c) { c.hidden = !kept[c.dataset.uuid]; });
    state.local.forEach(function (e) { if (kept[e.finding]) list.appendChild(findingCard(root, base, state, e)); });
    show(document.getElementById("vs-sum-none"), !state.findings.length);
  }

  function drawSubmit(form, state, base) {
    if (!form) return;
    var sent = state.submit && state.submit.accepted;
    show(form, !sent && (has(base.rules.submit_from, state.status) || !!state.submit));
    var button = form.querySelector("[data-outbox-button]"), say = form.querySelector(".vs-form-error");
    if (state.submit && !state.submit.accepted) {
      button.disabled = true;
      if (!say.textContent) { text(say, form.dataset.msgQueued); say.dataset.kind = "queued"; }
    }
  }

  function drawSummary(root, base, state) {
    var c = counts(state, base);
    text(document.getElementById("vs-sum-progress"), c.a + "/" + c.t);
    text(document.getElementById("vs-sum-failed"), c.f);
    text(document.getElementById("vs-sum-count"), c.n);
    show(document.getElementById("vs-sum-missing"), c.m.needing > 0);
    drawFindings(root, base, state);
    if (base.signed) { drawSubmit(document.getElementById("vs-submit-form"), state, base); return; }
    var signable = base.may_conduct && !state.sign && has(base.rules.sign_from, state.status);
    show(document.getElementById("vs-sum-sign"), signable);
    show(document.getElementById("vs-sum-unsigned"), !signable && !state.sign);
    drawLocalSign(document.getElementById("vs-sum-local-sign"), root, state.sign);
    drawSubmit(document.getElementById("vs-submit-form"), state, base);
  }

  /* ------------------------------------------------------------ the sign screen */

  function drawSign(root, base, state) {
    if (base.signed || !document.getElementById("vs-sign-ready")) return;
    var c = counts(state, base), open = has(base.rules.sign_from, state.status) && !state.sign;
    var stage = state.sign ? "local" : (!open ? "blocked" : (c.m.complete ? "ready" : "incomplete"));
    show(document.getElementById("vs-sign-blocked"), stage === "blocked");
    show(document.getElementById("vs-sign-incomplete"), stage === "incomplete");
    var ready = document.getElementById("vs-sign-ready"), wasHidden = ready.hidden;
    show(ready, stage === "ready");
    text(document.getElementById("vs-sign-incomplete-text"), fill(root.dataset.msgIncomplete, c));
    text(document.getElementById("vs-sign-ready-text"), fill(root.dataset.msgReady, c));
    drawLocalSign(document.getElementById("vs-sign-local"), root, state.sign);
    // the pad measures itself when shown (it was hidden when the page opened)
    if (wasHidden && stage === "ready") window.dispatchEvent(new Event("resize"));
  }

  /* ------------------------------------------------------------ wiring */

  function init(root, draw) {
    var node = document.getElementById("vs-state");
    if (!node || root.dataset.vsState) return;
    root.dataset.vsState = "1";
    var base = JSON.parse(node.textContent), visit = String(base.visit), accepted = [];

    function redraw() {
      return V.Outbox.list().then(function (all) {
        var waiting = all.filter(function (e) { return e.visit === visit && e.state === "waiting"; });
        var writes = accepted.concat(waiting).sort(function (a, b) { return a.seq - b.seq; });
        var state = tabletState(base, writes);
        drawStatus(root, state, tabletState(base, accepted), base);
        draw(root, base, state);
        root.dataset.vsDrawn = state.status;
      }).catch(function () { /* no IndexedDB: the server's page stands as rendered */ });
    }

    V.Sync.listeners.push(function (what, e) {
      if (what === "accepted" && e && e.visit === visit) { e.accepted = true; accepted.push(e); }
      if (what === "accepted" || what === "refused" || what === "queued" || what === "round") redraw();
    });
    redraw();
  }

  function start() {
    var summary = document.getElementById("vs-summary");
    if (summary) init(summary, drawSummary);
    var sign = document.getElementById("vs-sign");
    if (sign) init(sign, drawSign);
  }

  document.addEventListener("turbo:load", start);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
