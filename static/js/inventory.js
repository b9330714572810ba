// Inventory forms: a character count under long answers and a live budget sum in Del 1.
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

  // "Du har 9 812 tecken kvar" under each field with a limit; announced politely, after a pause.
  document.querySelectorAll("[data-inventory-form] [data-maxlength]").forEach(function (field) {
    var limit = parseInt(field.getAttribute("data-maxlength"), 10);
    if (!limit || field.readOnly) {
      return;
    }
    var note = document.createElement("p");
    note.className = "char-count";
    note.id = field.id + "_count";
    note.setAttribute("aria-live", "polite");
    field.insertAdjacentElement("afterend", note);
    var timer = null;
    function update() {
      var left = limit - field.value.length;
      note.classList.toggle("over", left < 0);
      note.textContent = left >= 0
        ? text("chars-left", { n: left })
        : text("chars-over", { n: -left });
    }
    // Show the count only once the text nears the limit, so short fields stay quiet.
    function maybeUpdate() {
      if (field.value.length > limit * 0.8) {
        update();
      } else {
        note.textContent = "";
      }
    }
    field.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(maybeUpdate, 400);
    });
    maybeUpdate();
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
        var text = amount.value.replace(/\s|kr$/gi, "");
        if (text === "") {
          return;
        }
        if (!/^\d+$/.test(text)) {
          ok = false;
          return;
        }
        total += parseInt(text, 10);
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
})();
