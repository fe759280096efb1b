/* Survey page behaviour: conditional questions, progress, and a local backup of answers.
   The server enforces the same `relevant` rules, so the form also works without this file.
   Rule format (questionnaires/README.md): {op: "and"|"or", args}, {op: "not", arg},
   {op: "selected", field, code}, {op: "=="|"!="|"<"|"<="|">"|">="|"in"|"not in", left, right}
   with operands {field: id} or {value: v}. An unanswered field compares false. */
(function () {
  "use strict";
  var form = document.getElementById("survey");
  if (document.getElementById("survey-done")) {
    // Submitted: forget the local backups of answers kept in this tab.
    try {
      Object.keys(sessionStorage).forEach(function (k) { if (k.indexOf("pingjia:") === 0) { sessionStorage.removeItem(k); } });
    } catch (e) { /* nothing kept */ }
  }
  if (!form) { return; }
  var blocks = Array.prototype.slice.call(form.querySelectorAll("[data-question]"));
  var storageKey = "pingjia:" + location.pathname;

  function inputs(name) { return form.querySelectorAll('[name="' + CSS.escape(name) + '"]'); }

  function answer(name) {
    var list = inputs(name);
    if (!list.length) { return { value: null, number: null }; }
    var first = list[0];
    if (first.type === "radio") {
      for (var i = 0; i < list.length; i++) {
        if (list[i].checked) {
          var v = list[i].getAttribute("data-value");
          var n = v !== null ? Number(v) : Number(list[i].value);
          return { value: list[i].value, number: isNaN(n) ? null : n };
        }
      }
      return { value: null, number: null };
    }
    if (first.type === "checkbox") {
      var chosen = [];
      for (var j = 0; j < list.length; j++) { if (list[j].checked) { chosen.push(list[j].value); } }
      return { value: chosen.length ? chosen : null, number: null };
    }
    var text = (first.value || "").trim();
    if (!text) { return { value: null, number: null }; }
    var num = Number(text);
    return { value: text, number: isNaN(num) ? null : num };
  }

  function operand(o) {
    if (o.field !== undefined) { return answer(o.field); }
    return { value: o.value, number: typeof o.value === "number" ? o.value : null, literal: true };
  }

  function compare(op, a, b) {
    if (a.value === null || b.value === null) { return false; }
    if (op === "in" || op === "not in") {
      var list = Array.isArray(b.value) ? b.value : [b.value];
      var found = list.some(function (x) { return String(x) === String(a.value) || (a.number !== null && Number(x) === a.number); });
      return op === "in" ? found : !found;
    }
    var numeric = (typeof a.value === "number" || typeof b.value === "number");
    var x = numeric ? a.number : String(a.value);
    var y = numeric ? b.number : String(b.value);
    if (x === null || y === null) { return false; }
    switch (op) {
      case "==": return x === y;
      case "!=": return x !== y;
      case "<": return x < y;
      case "<=": return x <= y;
      case ">": return x > y;
      case ">=": return x >= y;
    }
    return false;
  }

  function evaluate(rule) {
    switch (rule.op) {
      case "and": return rule.args.every(evaluate);
      case "or": return rule.args.some(evaluate);
      case "not": return !evaluate(rule.arg);
      case "selected":
        var a = answer(rule.field).value;
        return Array.isArray(a) ? a.indexOf(rule.code) >= 0 : a === rule.code;
      default: return compare(rule.op, operand(rule.left), operand(rule.right));
    }
  }

  function refresh() {
    var total = 0, done = 0;
    blocks.forEach(function (block) {
      var rule = block.getAttribute("data-relevant");
      var show = true;
      if (rule) { try { show = evaluate(JSON.parse(rule)); } catch (e) { show = true; } }
      block.hidden = !show;
      block.querySelectorAll("input, select, textarea").forEach(function (el) { el.disabled = !show; });
      if (!show || block.classList.contains("q-note")) { return; }
      var fields = block.querySelectorAll("[data-field]");
      var names = fields.length ? Array.prototype.map.call(fields, function (f) { return f.getAttribute("data-field"); })
                                : [block.getAttribute("data-question")];
      names.forEach(function (name) { total += 1; if (answer(name).value !== null) { done += 1; } });
    });
    var bar = document.getElementById("progress-bar");
    var text = document.getElementById("progress-text");
    if (bar && total) { bar.style.width = Math.round(100 * done / total) + "%"; }
    if (text && total) { text.textContent = done + " / " + total; }
  }

  function backup() {
    try {
      var data = {};
      new FormData(form).forEach(function (v, k) { if (k !== "csrf_token") { (data[k] = data[k] || []).push(v); } });
      sessionStorage.setItem(storageKey, JSON.stringify(data));
    } catch (e) { /* storage may be unavailable: the server draft still keeps answers */ }
  }

  function restore() {
    var raw = null;
    try { raw = sessionStorage.getItem(storageKey); } catch (e) { return; }
    if (!raw) { return; }
    var anyAnswer = blocks.some(function (b) {
      return b.querySelector("input:checked") || Array.prototype.some.call(b.querySelectorAll("input[type=text], textarea"), function (t) { return t.value; });
    });
    if (anyAnswer) { return; }  // the server's copy (draft or re-shown post) wins
    var data = JSON.parse(raw);
    Object.keys(data).forEach(function (name) {
      inputs(name).forEach(function (el) {
        if (el.type === "radio" || el.type === "checkbox") { el.checked = data[name].indexOf(el.value) >= 0; }
        else if (el.tagName !== "SELECT") { el.value = data[name][0]; }
      });
    });
  }

  restore();
  form.addEventListener("change", function () { refresh(); backup(); });
  form.addEventListener("input", function () { refresh(); backup(); });
  refresh();
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
})();
