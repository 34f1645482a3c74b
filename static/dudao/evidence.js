/* Before/after evidence on the order page: "核验原件" asks the server to re-read the stored original and compare
 * its SHA-256 with the one recorded when it arrived (inspections/evidence/watermark.py); the answer is shown as said. */
(function () {
  "use strict";
  function init() {
    document.querySelectorAll("[data-verify]:not([data-ready])").forEach(function (button) {
      button.dataset.ready = "1";
      var out = button.closest(".dd-evidence").querySelector(".dd-evidence__result");
      button.addEventListener("click", function () {
        out.textContent = button.dataset.msgChecking; out.dataset.ok = "";
        fetch(button.dataset.verify, {credentials: "same-origin", headers: {"Accept": "application/json"}})
          .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
          .then(function (d) { out.textContent = d.message; out.dataset.ok = d.ok ? "yes" : "no"; })
          .catch(function () { out.textContent = button.dataset.msgFailed; out.dataset.ok = "no"; });
      });
    });
  }
  document.addEventListener("turbo:load", init);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
