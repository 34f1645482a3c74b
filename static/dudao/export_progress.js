// Polls the export's small JSON status endpoint and moves the progress bar until the file is ready.
(function () {
  "use strict";
  function poll(box) {
    fetch(box.dataset.statusUrl, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (r) { return r.json(); })
      .then(function (s) {
        document.getElementById("export-bar").value = s.percent;
        document.getElementById("export-status").textContent = s.status_display;
        document.getElementById("export-count").textContent = s.progress + " / " + s.total;
        document.getElementById("export-error").textContent = s.error || "";
        if (s.download_url) {
          var a = document.getElementById("export-download");
          a.href = s.download_url; a.hidden = false;
        } else if (s.status !== "failed") {
          setTimeout(function () { poll(box); }, 1500);
        }
      })
      .catch(function () { setTimeout(function () { poll(box); }, 5000); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("export");
    if (box) { poll(box); }
  });
})();
