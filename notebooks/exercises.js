/* The lessons' exercises, answerable in the page (no kernel): the same checks and the same
   words as notebooks/exercises.py's check_number and check_choice, from the data each
   unanswered exercise carries (its expected number, tolerance and known-mistake table, or
   its options and their reasons). Sets up every .exercise-live form not set up yet. */
(function () {
  "use strict";

  /* Python's format(x, ".4g"): 4 significant digits, ties to even, no trailing zeros. */
  function sig(x, d) {
    var s = x.toExponential(d - 1);
    var long = Math.abs(x).toExponential(Math.min(100, d + 24));
    var m = /^(\d)\.(\d+)e([+-]\d+)$/.exec(long);
    var digits = m[1] + m[2], tail = digits.slice(d);
    if (/^50*$/.test(tail) && Number(digits.charAt(d - 1)) % 2 === 0) {
      var kept = digits.slice(0, d);
      s = (x < 0 ? "-" : "") + kept.charAt(0) + (d > 1 ? "." + kept.slice(1) : "") + "e" + m[3];
    }
    return s;
  }

  function g(x, d) {
    if (x !== x) { return "nan"; }
    if (!isFinite(x)) { return x > 0 ? "inf" : "-inf"; }
    if (x === 0) { return 1 / x < 0 ? "-0" : "0"; }
    var m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(sig(x, d));
    var sign = m[1], digits = m[2] + (m[3] || ""), e = Number(m[4]);
    digits = digits.replace(/0+$/, "") || "0";
    if (e >= -4 && e < d) {
      if (e < 0) { return sign + "0." + new Array(-e).join("0") + digits; }
      if (digits.length <= e + 1) { return sign + digits + new Array(e + 2 - digits.length).join("0"); }
      return sign + digits.slice(0, e + 1) + "." + digits.slice(e + 1);
    }
    var mant = digits.length > 1 ? digits.charAt(0) + "." + digits.slice(1) : digits;
    return sign + mant + "e" + (e < 0 ? "-" : "+") + (Math.abs(e) < 10 ? "0" : "") + Math.abs(e);
  }

  function fmt(x) { return g(x, 4); }

  function close(a, b, rel) { return Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b)) + 1e-12; }

  function pyRepr(text) {
    var q = text.indexOf("'") >= 0 && text.indexOf('"') < 0 ? '"' : "'";
    return q + text.replace(/\\/g, "\\\\").split(q).join("\\" + q) + q;
  }

  function number(text) {
    var t = text.trim().replace(/_/g, "");
    if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t)) { return null; }
    var v = Number(t);
    return isFinite(v) ? v : null;
  }

  /* check_number, for an answer typed in the page. */
  function checkNumber(text, ex) {
    if (!text.trim()) { return [null, ex.blank]; }
    var value = number(text), target = ex.expected, what = ex.what;
    if (value === null) { return [false, what + " is a real number; " + pyRepr(text) + " is not."]; }
    if (close(value, target, ex.rel)) { return [true, (what + " = " + fmt(target) + ". " + ex.why).trim()]; }
    for (var i = 0; i < ex.mistakes.length; i++) {
      if (close(value, ex.mistakes[i][0], ex.rel)) { return [false, fmt(value) + " is " + ex.mistakes[i][1]]; }
    }
    if (target !== 0 && close(-value, target, ex.rel)) {
      return [false, fmt(value) + " has the right size but the wrong sign (" + what + " = " + (target > 0 ? "+" : "\u2212") + "\u2026)."];
    }
    if (target !== 0 && value !== 0) {
      return [false, fmt(value) + " is " + fmt(value / target) + " times the engine's " + what +
        ": look for a factor of the chain that is missing or extra."];
    }
    return [false, what + " is not " + fmt(value) + ": follow the chain rule one local derivative at a time."];
  }

  /* check_choice, for an option picked in the page. */
  function checkChoice(option, ex) {
    if (option === null) { return [null, ex.blank]; }
    return [option === ex.correct, ex.reasons[option]];
  }

  var MARKS = {"true": "\u2713 Right:", "false": "\u2717 Not yet:", "null": "\u2026 No answer yet:"};

  function setup(form) {
    form.setAttribute("data-ready", "1");
    var ex = JSON.parse(form.querySelector(".exercise-data").textContent);
    var out = form.querySelector(".exercise-live-result");
    function show(result) {
      var key = String(result[0]), colours = ex.colours[key];
      out.textContent = "";
      var box = document.createElement("div");
      box.className = "exercise-feedback";
      box.setAttribute("style", "border-left:4px solid " + colours[0] + ";background:" + colours[1] +
        ";color:" + colours[0] + ";padding:0.4em 0.8em;margin:0.3em 0");
      var strong = document.createElement("strong");
      strong.textContent = MARKS[key];
      box.appendChild(strong);
      box.appendChild(document.createTextNode(" " + result[1]));
      out.appendChild(box);
      out.setAttribute("data-correct", key);
      out.setAttribute("data-text", MARKS[key] + " " + result[1]);
    }
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      if (ex.kind === "number") {
        show(checkNumber(form.querySelector(".exercise-answer").value, ex));
      } else {
        var picked = form.querySelector(".exercise-option:checked");
        show(checkChoice(picked ? picked.value : null, ex));
      }
    });
  }

  var forms = document.querySelectorAll("form.exercise-live:not([data-ready])");
  for (var k = 0; k < forms.length; k++) { setup(forms[k]); }
})();
