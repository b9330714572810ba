// The synthesis report's progress: poll its status (same origin, allowed by the CSP's
// connect-src 'self') and show the download when it is ready. Without JavaScript the page has
// a refresh link instead.
(function () {
  "use strict";
  var INTERVAL_MS = 1000;
  document.querySelectorAll("[data-report-status-url]").forEach(function (box) {
    var progress = box.querySelector("[data-report-progress]");
    var text = box.querySelector("[data-report-text]");
    var refresh = box.querySelector("[data-report-refresh]");
    var download = box.querySelector("[data-report-download]");
    var url = box.getAttribute("data-report-status-url");

    function show(state) {
      progress.value = state.progress;
      progress.textContent = state.progress + " %";
      if (text.textContent !== state.text) {
        text.textContent = state.text;
      }
      var pending = state.status === "queued" || state.status === "rendering";
      refresh.hidden = !pending;
      if (state.download) {
        download.querySelector("a").setAttribute("href", state.download);
        download.hidden = false;
      }
      return pending;
    }

    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) {
            throw new Error(response.status);
          }
          return response.json();
        })
        .then(function (state) {
          if (show(state)) {
            window.setTimeout(poll, INTERVAL_MS);
          }
        })
        .catch(function () {
          // Leave the refresh link to the user; try again a little later.
          window.setTimeout(poll, INTERVAL_MS * 5);
        });
    }

    if (!refresh.hidden) {
      window.setTimeout(poll, INTERVAL_MS);
    }
  });
})();
