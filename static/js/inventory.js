// Inventory forms: a character counter under every answer with a limit and a live budget sum.
// Progressive enhancement only: the server checks everything again.
(function () {
  "use strict";

  function groupThousands(n) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, "\u00a0");
  }

  // The Swedish (or English) texts come from the page, translated on the server.
  var texts = document.getElementById("inventory-texts");
  function text(name, values) {
    var template = texts ? texts.getAttribute("data-" + name) || "" : "";
    return template.replace(/%\((\w+)\)s/g, function (_m, key) {
      return groupThousands(values[key]);
    });
  }

  // "Du har 9 812 tecken kvar" under each field with a limit, always visible and read with the
  // field (aria-describedby); a separate polite live region speaks only near the limit (the last
  // tenth) or over it, so typing a short answer is never interrupted.
  document.querySelectorAll("[data-inventory-form] [data-maxlength]").forEach(function (field) {
    var limit = parseInt(field.getAttribute("data-maxlength"), 10);
    if (!limit || field.readOnly) {
      return;
    }
    var note = document.createElement("p");
    note.className = "char-count";
    note.id = field.id + "_count";
    var live = document.createElement("span");
    live.className = "visually-hidden";
    live.setAttribute("aria-live", "polite");
    live.setAttribute("data-char-live", "");
    field.insertAdjacentElement("afterend", note);
    note.insertAdjacentElement("afterend", live);
    var describedBy = (field.getAttribute("aria-describedby") || "").trim();
    field.setAttribute("aria-describedby", (describedBy + " " + note.id).trim());
    var timer = null;
    var spoken = "";
    function message() {
      var left = limit - field.value.length;
      return left >= 0 ? text("chars-left", { n: left }) : text("chars-over", { n: -left });
    }
    function update() {
      note.classList.toggle("over", field.value.length > limit);
      note.textContent = message();
    }
    function announce() {
      var near = field.value.length >= limit * 0.9;
      var said = near ? message() : "";
      if (said !== spoken) {
        live.textContent = said;
        spoken = said;
      }
    }
    field.addEventListener("input", function () {
      update();
      clearTimeout(timer);
      timer = setTimeout(announce, 600);
    });
    update();
  });

  // Del 1: the sum of the budget rows as typed, compared with the start capital.
  var budget = document.querySelector("[data-start-capital]");
  var live = document.querySelector("[data-budget-live]");
  if (budget && live) {
    var capital = parseInt(budget.getAttribute("data-start-capital"), 10);
    var timer = null;
    var sum = function () {
      var total = 0;
      var ok = true;
      budget.querySelectorAll("tbody tr").forEach(function (row) {
        var amount = row.querySelector("input[name$='-amount']");
        var remove = row.querySelector("input[name$='-DELETE']");
        if (!amount || (remove && remove.checked)) {
          return;
        }
        // Every amount counts, with or without a description; the formats are the server's.
        var typed = amount.value.replace(/\s+/g, "").replace(/(kr|kronor|sek)\.?$/i, "");
        if (typed === "") {
          return;
        }
        if (!/^\d+$/.test(typed)) {
          ok = false;
          return;
        }
        total += parseInt(typed, 10);
      });
      live.classList.toggle("over", total > capital);
      if (!ok) {
        live.textContent = text("budget-invalid", {});
      } else if (total > capital) {
        live.textContent = text("budget-over", { total: total, n: total - capital });
      } else {
        live.textContent = text("budget-left", { total: total, n: capital - total });
      }
    };
    budget.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(sum, 500);
    });
    budget.addEventListener("change", sum);
  }

  // Leaving Del 1 or Del 3 through the stepper or "Om uppdraget" after typing saves first: the
  // form is submitted with "goto" and the server redirects there once it is saved (or shows the
  // errors with everything still typed in).
  var partForm = document.querySelector("form[data-save-before-leaving]");
  if (partForm && partForm.querySelector("button[type=submit]")) {
    // A page shown again after a POST (errors, a new budget row, a conflict) holds unsaved input.
    var changed = partForm.hasAttribute("data-unsaved");
    partForm.addEventListener("input", function () {
      changed = true;
    });
    partForm.addEventListener("change", function () {
      changed = true;
    });
    document.querySelectorAll("a[data-save-first]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        if (!changed || event.ctrlKey || event.metaKey || event.shiftKey) {
          return;
        }
        event.preventDefault();
        var goto = document.createElement("input");
        goto.type = "hidden";
        goto.name = "goto";
        goto.value = link.getAttribute("data-save-first");
        partForm.appendChild(goto);
        if (partForm.requestSubmit) {
          partForm.requestSubmit();
        } else {
          partForm.submit();
        }
      });
    });
  }
})();
