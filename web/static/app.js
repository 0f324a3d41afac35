// ecotax web: a little progressive enhancement. Every button here also
// works without this script (the server carries out the same operation
// and renders the form again); with it, adding and removing sources and
// pollutant rows happens in place and focus follows the change.
(function () {
  "use strict";

  function announce(msg) {
    var live = document.getElementById("live");
    if (live) { live.textContent = ""; setTimeout(function () { live.textContent = msg; }, 30); }
  }

  // Rewrite the indices in names, ids and references of one element tree.
  var ATTRS = ["name", "id", "for", "aria-describedby", "data-prefix"];
  function renumber(root, si, pj) {
    var els = [root].concat(Array.prototype.slice.call(root.querySelectorAll("*")));
    els.forEach(function (el) {
      ATTRS.forEach(function (a) {
        var v = el.getAttribute(a);
        if (v == null) { return; }
        v = v.replace(/sources\[(\d+|__S__)\]/g, "sources[" + si + "]")
             .replace(/f-sources-(\d+|__S__)(?=-|$|\s)/g, "f-sources-" + si);
        if (pj !== undefined) {
          v = v.replace(/pollutants\[(\d+|__P__)\]/g, "pollutants[" + pj + "]")
               .replace(/-pollutants-(\d+|__P__)(?=-|$|\s)/g, "-pollutants-" + pj);
        }
        el.setAttribute(a, v);
      });
    });
  }

  function cards() { return Array.prototype.slice.call(document.querySelectorAll("#sources > fieldset.source")); }

  // Close up the indices after an insert or delete, so the posted names
  // have no holes and match the order on screen.
  function reindex() {
    cards().forEach(function (card, i) {
      renumber(card, i);
      var n = card.querySelector(".sidx"); if (n) { n.textContent = String(i + 1); }
      card.querySelectorAll("button[data-op]").forEach(function (b) {
        var op = b.getAttribute("data-op");
        if (op === "addp" || op === "copy" || op === "del") { b.value = op + ":" + i; }
      });
      var rows = Array.prototype.slice.call(card.querySelectorAll("fieldset.pollutant"));
      rows.forEach(function (row, j) {
        renumber(row, i, j);
        var pn = row.querySelector(".pidx"); if (pn) { pn.textContent = String(j + 1); }
        var b = row.querySelector("button[data-op=delp]"); if (b) { b.value = "delp:" + i + ":" + j; }
      });
    });
    var empty = document.getElementById("no-sources");
    if (empty) { empty.hidden = cards().length > 0; }
  }

  function fromTemplate(id) {
    var t = document.getElementById(id);
    if (!t) { return null; }
    return t.content.firstElementChild.cloneNode(true);
  }

  function firstInput(el) { return el.querySelector("input:not([type=hidden]), select"); }

  function lastMonth() {
    var cs = cards();
    for (var i = cs.length - 1; i >= 0; i--) {
      var m = cs[i].querySelector("input[name$='.month']");
      if (m && m.value) { return m.value; }
    }
    var months = periodMonths();
    return months.length ? months[0] : "";
  }

  function nextMonth(m) {
    var r = /^(\d{4})-(\d{2})$/.exec(m);
    if (!r) { return m; }
    var y = +r[1], mo = +r[2];
    if (mo < 1 || mo > 12) { return m; }
    if (mo === 12) { y += 1; mo = 1; } else { mo += 1; }
    return y + "-" + (mo < 10 ? "0" : "") + mo;
  }

  function periodMonths() {
    var p = document.getElementById("f-period");
    var v = p ? p.value.trim() : "";
    var q = /^(\d{4})-[Qq]([1-4])$/.exec(v);
    if (q) {
      var first = 3 * (+q[2]) - 2, out = [];
      for (var k = 0; k < 3; k++) { var mm = first + k; out.push(q[1] + "-" + (mm < 10 ? "0" : "") + mm); }
      return out;
    }
    var m = /^(\d{4}-\d{2})(-\d{2})?$/.exec(v);
    return m ? [m[1]] : [];
  }

  function refreshMonths() {
    var dl = document.getElementById("months");
    if (!dl) { return; }
    dl.innerHTML = "";
    periodMonths().forEach(function (m) { var o = document.createElement("option"); o.value = m; dl.appendChild(o); });
  }

  function addSource(kind) {
    var card = fromTemplate("tpl-source-" + kind);
    if (!card) { return false; }
    var rowT = fromTemplate("tpl-pollutant-" + kind);
    if (rowT) { card.querySelector(".pollutants").appendChild(rowT); }
    document.getElementById("sources").appendChild(card);
    var month = card.querySelector("input[name$='.month']");
    if (month) { month.value = lastMonth(); }
    reindex();
    var f = card.querySelector("input[name$='.id']") || firstInput(card);
    if (f) { f.focus(); }
    announce("已添加" + (card.querySelector("legend") || {}).textContent);
    return true;
  }

  function addPollutant(card) {
    var row = fromTemplate("tpl-pollutant-" + card.getAttribute("data-kind"));
    if (!row) { return false; }
    card.querySelector(".pollutants").appendChild(row);
    reindex();
    var f = firstInput(row); if (f) { f.focus(); }
    announce("已添加污染物");
    return true;
  }

  function copySource(card) {
    var cp = card.cloneNode(true);
    // Cloning copies attributes, not what was typed: carry the values over.
    var from = card.querySelectorAll("input, select"), to = cp.querySelectorAll("input, select");
    for (var i = 0; i < from.length; i++) {
      if (from[i].type === "checkbox") { to[i].checked = from[i].checked; } else { to[i].value = from[i].value; }
    }
    var m = cp.querySelector("input[name$='.month']");
    if (m) { m.value = nextMonth(m.value); }
    cp.querySelectorAll(".errors, .error span").forEach(function (e) { e.remove(); });
    cp.querySelectorAll("[aria-invalid]").forEach(function (e) { e.removeAttribute("aria-invalid"); });
    cp.querySelectorAll(".invalid").forEach(function (e) { e.classList.remove("invalid"); });
    card.after(cp);
    reindex();
    if (m) { m.focus(); }
    announce("已复制到 " + (m ? m.value : "下月"));
    return true;
  }

  function remove(el, what) {
    var next = el.nextElementSibling || el.previousElementSibling;
    var card = el.closest("fieldset.source");
    el.remove();
    reindex();
    var target = (next && firstInput(next)) || (card && el !== card && firstInput(card)) || document.querySelector(".add-buttons button");
    if (target) { target.focus(); }
    announce("已删除" + what);
    return true;
  }

  document.addEventListener("click", function (ev) {
    var b = ev.target.closest ? ev.target.closest("button[data-op]") : null;
    if (!b) { return; }
    var op = b.getAttribute("data-op"), done = false;
    var card = b.closest("fieldset.source");
    if (op === "add") { done = addSource(b.getAttribute("data-kind")); }
    else if (op === "addp" && card) { done = addPollutant(card); }
    else if (op === "copy" && card) { done = copySource(card); }
    else if (op === "del" && card) { done = remove(card, "税源"); }
    else if (op === "delp") { var row = b.closest("fieldset.pollutant"); if (row) { done = remove(row, "污染物"); } }
    if (done) { ev.preventDefault(); }
  });

  document.addEventListener("change", function (ev) {
    var t = ev.target;
    if (t.id === "region-pick" && t.value) {
      var r = document.getElementById(t.getAttribute("data-fills"));
      if (r) { r.value = t.value; }
    }
    if (t.id === "f-period") { refreshMonths(); }
  });

  document.addEventListener("DOMContentLoaded", function () {
    refreshMonths();
    var s = document.getElementById("error-summary");
    if (s) { s.focus(); }
  });
})();
