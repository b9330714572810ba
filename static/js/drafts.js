// Never lose typed text: every post form with free text on the page keeps a copy of what the
// user types in this browser (localStorage) until the server shows the same values back, e.g.
// after "Spara". If the session expired or the browser closed before saving, the page offers
// to restore the text.
(function () {
  "use strict";
  var owner = document.body.getAttribute("data-user-key");
  if (!owner || !window.localStorage) {
    return;
  }
  var skipTypes = { hidden: 1, password: 1, submit: 1, button: 1, file: 1 };

  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && !skipTypes[el.type] && el.name !== "csrfmiddlewaretoken";
    });
  }

  function read(form) {
    var values = {};
    fields(form).forEach(function (el) {
      if (el.type === "checkbox" || el.type === "radio") {
        values[el.name + "=" + el.value] = el.checked;
      } else {
        values[el.name] = el.value;
      }
    });
    return values;
  }

  function write(form, values) {
    fields(form).forEach(function (el) {
      if (el.type === "checkbox" || el.type === "radio") {
        var key = el.name + "=" + el.value;
        if (key in values) {
          el.checked = values[key];
        }
      } else if (el.name in values) {
        el.value = values[el.name];
      }
    });
  }

  function norm(value) {
    return typeof value === "string" ? value.replace(/\r\n/g, "\n").trim() : value;
  }

  function same(a, b) {
    return Object.keys(a).every(function (key) {
      return !(key in b) || norm(a[key]) === norm(b[key]);
    });
  }

  // A success message on this page means the last submitted form was saved: forget the copies
  // that were taken when forms were submitted.
  if (document.querySelector("[data-message-success]")) {
    Object.keys(window.localStorage).forEach(function (storageKey) {
      if (storageKey.indexOf("portal-draft:" + owner + ":") !== 0) {
        return;
      }
      try {
        if (JSON.parse(window.localStorage.getItem(storageKey)).submitted) {
          window.localStorage.removeItem(storageKey);
        }
      } catch (e) {
        window.localStorage.removeItem(storageKey);
      }
    });
  }

  var forms = document.querySelectorAll("main form[method=post]:not([data-no-autosave])");
  Array.prototype.forEach.call(forms, function (form, index) {
    if (!form.querySelector("textarea")) {
      return;
    }
    var key = "portal-draft:" + owner + ":" + window.location.pathname + ":" + index;
    var stored = null;
    try {
      stored = JSON.parse(window.localStorage.getItem(key) || "null");
    } catch (e) {
      stored = null;
    }
    var initial = read(form);
    if (stored && same(stored.values, initial)) {
      window.localStorage.removeItem(key);
      stored = null;
    }
    if (stored) {
      var banner = document.createElement("div");
      banner.className = "alert alert-warning draft-banner";
      banner.setAttribute("role", "status");
      var when = new Date(stored.savedAt);
      var lang = document.documentElement.lang === "en" ? "en" : "sv";
      var message = document.createElement("p");
      message.textContent =
        (lang === "en"
          ? "This browser holds text you typed but did not save ("
          : "Den här webbläsaren har text som du skrev men inte sparade (") +
        when.toLocaleString(lang === "en" ? "en-GB" : "sv-SE") +
        ").";
      var restore = document.createElement("button");
      restore.type = "button";
      restore.className = "btn btn-primary me-2";
      restore.textContent = lang === "en" ? "Restore my text" : "Återställ min text";
      var discard = document.createElement("button");
      discard.type = "button";
      discard.className = "btn btn-outline-secondary";
      discard.textContent = lang === "en" ? "Discard it" : "Släng den";
      banner.appendChild(message);
      banner.appendChild(restore);
      banner.appendChild(discard);
      form.parentNode.insertBefore(banner, form);
      restore.addEventListener("click", function () {
        write(form, stored.values);
        banner.remove();
        var first = form.querySelector("textarea, input:not([type=hidden])");
        if (first) {
          first.focus();
        }
      });
      discard.addEventListener("click", function () {
        window.localStorage.removeItem(key);
        banner.remove();
      });
    }
    var pending = null;
    function save(event) {
      var values = read(form);
      if (same(values, initial) && !stored) {
        window.localStorage.removeItem(key);
        return;
      }
      window.localStorage.setItem(
        key,
        JSON.stringify({
          values: values,
          savedAt: new Date().toISOString(),
          submitted: Boolean(event && event.type === "submit"),
        })
      );
    }
    form.addEventListener("input", function () {
      window.clearTimeout(pending);
      pending = window.setTimeout(save, 300);
    });
    form.addEventListener("change", save);
    form.addEventListener("submit", save);
  });
})();
