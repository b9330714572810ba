// Upload progress for attachment forms (form[data-upload-progress]). The form is sent with
// XMLHttpRequest so the <progress> element can follow the bytes sent; once every byte is sent
// the status says the file is being checked, and the page the server answers with (the list
// with the new file "Kontrolleras" after the redirect, or the form with its Swedish error and
// what was typed) replaces the main content. Without JavaScript the form posts as usual.
(function () {
  "use strict";
  if (!window.XMLHttpRequest || !window.FormData || !window.DOMParser) {
    return;
  }

  function swapMain(html, url) {
    var incoming = new DOMParser().parseFromString(html, "text/html");
    var main = document.getElementById("main");
    var next = incoming.getElementById("main");
    if (!main || !next) {
      return false;
    }
    main.innerHTML = next.innerHTML;
    document.title = incoming.title;
    if (url && url !== window.location.href && window.history.replaceState) {
      window.history.replaceState(null, "", url);
    }
    // Like a page load: the error summary first, else the page's message, else the main content.
    var focus =
      main.querySelector("[data-error-summary]") ||
      main.querySelector(".messages") ||
      main;
    if (focus !== main && !focus.hasAttribute("tabindex")) {
      focus.setAttribute("tabindex", "-1");
    }
    focus.focus();
    return true;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-upload-progress")) {
      return;
    }
    var box = form.querySelector("[data-upload-progress-box]");
    var bar = box && box.querySelector("progress");
    var status = box && box.querySelector("[data-upload-status]");
    if (!box || !bar || !status) {
      return;
    }
    event.preventDefault();
    var button = form.querySelector("button[type=submit]");
    var sending = status.getAttribute("data-text-sending");
    box.hidden = false;
    bar.value = 0;
    status.textContent = sending;
    if (button) {
      button.disabled = true;
    }

    var request = new XMLHttpRequest();
    request.open("POST", form.getAttribute("action") || window.location.href);
    request.upload.addEventListener("progress", function (progress) {
      if (progress.lengthComputable && progress.total > 0) {
        var percent = Math.floor((progress.loaded / progress.total) * 100);
        bar.value = percent;
        status.textContent = sending + " " + percent + " %";
      }
    });
    request.upload.addEventListener("load", function () {
      bar.value = 100;
      status.textContent = status.getAttribute("data-text-received");
    });
    function failed() {
      status.textContent = status.getAttribute("data-text-failed");
      if (button) {
        button.disabled = false;
      }
    }
    request.addEventListener("load", function () {
      var type = request.getResponseHeader("Content-Type") || "";
      if (type.indexOf("text/html") !== 0 || !swapMain(request.responseText, request.responseURL)) {
        failed();
      }
    });
    request.addEventListener("error", failed);
    request.addEventListener("abort", failed);
    request.send(new FormData(form));
  });
})();
