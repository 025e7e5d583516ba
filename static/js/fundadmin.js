/* fundadmin — the little the staff pages do with JavaScript. Everything works without it (the
   server re-renders the form for "添加一行" / "删除此行"); this file only saves a round trip.
   Loaded with `defer` from base.html: no inline script, the Content Security Policy allows 'self'. */
(function () {
  "use strict";
  /* A page may load this file twice (a form's error summary and the project form): run once. */
  if (window.fundadminStarted) return;
  window.fundadminStarted = true;

  /* The error summary (GOV.UK's pattern): focused when the page opens, so a screen reader reads it
     and the keyboard starts there; a link in it focuses its field, with the label in view. */
  function errorSummary() {
    var summary = document.querySelector("[data-error-summary]");
    if (!summary) return;
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      if (!link) return;
      var target = document.getElementById(decodeURIComponent(link.hash.slice(1)));
      if (!target) return;
      event.preventDefault();
      var holder = target.closest(".field, fieldset") || target;
      holder.scrollIntoView();
      target.focus({ preventScroll: true });
    });
  }

  /* Money as people type it, read the way the server reads it (fundadmin/forms.py): full-width
     digits, thousands separators and a trailing 元 are accepted; exponents ("1e5"), "inf" or "NaN"
     are not numbers here. Amounts are kept in hundredths as BigInt, never in floats. */
  var FULL = "０１２３４５６７８９．，";
  var HALF = "0123456789.,";
  function hundredths(text) {
    var s = "";
    for (var i = 0; i < text.length; i++) {
      var k = FULL.indexOf(text[i]);
      s += k >= 0 ? HALF[k] : text[i];
    }
    s = s.replace(/,/g, "").replace(/元$/, "").trim();
    var m = /^(\d+)(?:\.(\d{0,2}))?$/.exec(s) || /^()\.(\d{1,2})$/.exec(s);
    if (!m) return null;
    return BigInt(m[1] || "0") * 100n + BigInt(((m[2] || "") + "00").slice(0, 2));
  }
  /* quantity × price, both in hundredths, to hundredths: Decimal.quantize's default rounding
     (half to even), as BudgetLine.save computes the amount. */
  function times(q, p) {
    var product = q * p; /* ten-thousandths */
    var whole = product / 100n;
    var rest = product % 100n;
    if (rest > 50n || (rest === 50n && whole % 2n === 1n)) whole += 1n;
    return whole;
  }
  function yuan(h) {
    var s = (h / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    var c = (h % 100n).toString();
    return s + "." + (c.length < 2 ? "0" + c : c) + " 元";
  }

  function budgetLines() {
    var section = document.querySelector("[data-budget-lines]");
    if (!section) return;
    var list = section.querySelector("[data-lines]");
    var template = section.querySelector("template[data-line-template]");
    var totalForms = section.querySelector("input[name$='-TOTAL_FORMS']");
    var initialForms = section.querySelector("input[name$='-INITIAL_FORMS']");
    var maxForms = section.querySelector("input[name$='-MAX_NUM_FORMS']");
    var addButton = section.querySelector("[data-add-line]");
    var totalOut = section.querySelector("[data-lines-total]");
    if (!list || !template || !totalForms) return;
    var prefix = totalForms.name.replace(/-TOTAL_FORMS$/, "");
    var pattern = new RegExp("^(id_|field-)?" + prefix + "-(\\d+|__prefix__)-");

    function rows() { return Array.prototype.slice.call(list.querySelectorAll("[data-line]")); }

    /* Names, ids and labels follow the row's position, as the formset numbers them. */
    function renumber() {
      rows().forEach(function (row, index) {
        row.querySelectorAll("[name], [id], label[for]").forEach(function (el) {
          ["name", "id", "for"].forEach(function (attr) {
            var value = el.getAttribute(attr);
            if (value && pattern.test(value)) {
              el.setAttribute(attr, value.replace(pattern, function (_, id) { return (id || "") + prefix + "-" + index + "-"; }));
            }
          });
        });
        row.querySelectorAll("[data-line-number]").forEach(function (el) { el.textContent = index + 1; });
        var remove = row.querySelector("[data-remove-line]");
        if (remove) remove.value = index;
      });
      totalForms.value = rows().length;
      /* Every row may be left blank (BaseLineFormSet), so none counts as "initial". */
      if (initialForms) initialForms.value = 0;
      if (addButton && maxForms) addButton.disabled = rows().length >= Number(maxForms.value);
    }

    function update() {
      var total = 0n;
      var complete = true;
      rows().forEach(function (row) {
        var q = row.querySelector("input[name$='-quantity']");
        var p = row.querySelector("input[name$='-unit_price']");
        var out = row.querySelector("[data-line-amount]");
        var hq = q && q.value.trim() ? hundredths(q.value) : null;
        var hp = p && p.value.trim() ? hundredths(p.value) : null;
        if (hq !== null && hp !== null) {
          var amount = times(hq, hp);
          total += amount;
          if (out) out.textContent = yuan(amount);
        } else {
          if (out) out.textContent = "—";
          if ((q && q.value.trim()) || (p && p.value.trim())) complete = false;
        }
      });
      if (totalOut) totalOut.textContent = yuan(total) + (complete ? "" : "（有的行数量或单价还不是数字，未计入）");
    }

    section.addEventListener("click", function (event) {
      var remove = event.target.closest("[data-remove-line]");
      if (remove) {
        event.preventDefault();
        var row = remove.closest("[data-line]");
        var next = row.nextElementSibling || row.previousElementSibling;
        row.remove();
        renumber();
        update();
        var focus = next ? next.querySelector("input") : addButton;
        if (focus) focus.focus();
        return;
      }
      if (event.target.closest("[data-add-line]")) {
        event.preventDefault();
        var fragment = template.content.cloneNode(true);
        var added = fragment.querySelector("[data-line]");
        list.appendChild(fragment);
        renumber();
        update();
        var first = added && added.querySelector("input");
        if (first) first.focus();
      }
    });
    section.addEventListener("input", update);
    renumber();
    update();
  }

  function start() {
    errorSummary();
    budgetLines();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
