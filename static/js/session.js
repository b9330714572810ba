// Session expiry (WCAG 2.2.1 Timing Adjustable): warn before the session ends and let the user
// extend it with one button. Sessions slide on every request, so any page load restarts the clock.
(function () {
  "use strict";
  var body = document.body;
  var total = parseInt(body.getAttribute("data-session-seconds") || "0", 10);
  var dialog = document.getElementById("session-dialog");
  if (!total || !dialog) {
    return;
  }
  var text = document.getElementById("session-dialog-text");
  var countdown = dialog.querySelector(".session-dialog-countdown");
  var extendButton = dialog.querySelector("[data-session-extend]");
  var loginLink = dialog.querySelector("[data-session-login]");
  var lead = Math.min(300, Math.floor(total / 3));
  var expiresAt = Date.now() + total * 1000;
  var lastFocus = null;
  var timer = null;

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function show(expired) {
    if (dialog.hidden) {
      lastFocus = document.activeElement;
    }
    text.textContent = text.getAttribute(expired ? "data-text-expired" : "data-text-warning");
    extendButton.hidden = expired;
    loginLink.hidden = !expired;
    if (expired) {
      loginLink.href = body.getAttribute("data-login-url") || loginLink.href;
      countdown.textContent = "";
    }
    var wasHidden = dialog.hidden;
    dialog.hidden = false;
    if (wasHidden || expired) {
      (expired ? loginLink : extendButton).focus();
    }
  }

  function hide() {
    dialog.hidden = true;
    if (lastFocus && lastFocus.focus) {
      lastFocus.focus();
    }
  }

  function tick() {
    var left = Math.round((expiresAt - Date.now()) / 1000);
    if (left <= 0) {
      show(true);
      window.clearInterval(timer);
      return;
    }
    if (left <= lead) {
      show(false);
      var minutes = Math.floor(left / 60);
      var seconds = left % 60;
      countdown.textContent =
        (document.documentElement.lang === "en" ? "Time left: " : "Tid kvar: ") +
        minutes + ":" + (seconds < 10 ? "0" : "") + seconds;
    }
  }

  extendButton.addEventListener("click", function () {
    fetch(body.getAttribute("data-session-extend-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "X-Requested-With": "fetch" },
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("expired");
        }
        return response.json();
      })
      .then(function (data) {
        expiresAt = Date.now() + (data.expires_in || total) * 1000;
        hide();
      })
      .catch(function () {
        expiresAt = Date.now();
        tick();
      });
  });

  dialog.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !extendButton.hidden) {
      extendButton.click();
    }
  });

  timer = window.setInterval(tick, 1000);
})();
