/* chainrule's live explorer: recomputes a graph's values, local derivatives and gradients in
   the browser (float64, with rules.js, the rule table's JavaScript form), draws it at the
   layout Python pinned, and explains each gradient. No dependencies, no globals, no network.
   Runs inside the function that includes rules.js; sets up every .chainrule-explorer on
   the page that is not set up yet, so several explorers live side by side. */
var SVGNS = "http://www.w3.org/2000/svg";

function el(tag, attrs, text) {
  var e = document.createElement(tag);
  for (var k in attrs) { if (attrs[k] !== null && attrs[k] !== undefined) { e.setAttribute(k, attrs[k]); } }
  if (text !== undefined) { e.textContent = text; }
  return e;
}

function svgEl(tag, attrs, text) {
  var e = document.createElementNS(SVGNS, tag);
  for (var k in attrs) { e.setAttribute(k, attrs[k]); }
  if (text !== undefined) { e.appendChild(document.createTextNode(text)); }
  return e;
}

/* Updates that touch the page only when something changed: a recompute rewrites hundreds of
   texts, and every untouched one is layout work saved. */
function setText(t, s) {
  if (t._text !== s) { t._text = s; t.firstChild.nodeValue = s; }
}

function setAttr(e, k, v) {
  var cache = e._attrs || (e._attrs = {});
  if (cache[k] !== v) {
    cache[k] = v;
    if (v === null) { e.removeAttribute(k); } else { e.setAttribute(k, v); }
  }
}

/* -- numbers, written as viz.numbers.format_number writes them ------------------------------ */

function stripZeros(s) { return s.indexOf(".") >= 0 ? s.replace(/0+$/, "").replace(/\.$/, "") : s; }

function toFixedEven(x, f) {
  /* toFixed rounds exact ties away from zero; Python rounds them to even. */
  var s = x.toFixed(f);
  if (f >= 100 || Math.abs(x).toFixed(f + 1).slice(-1) !== "5") { return s; }  /* no tie possible */
  var longer = Math.abs(x).toFixed(Math.min(100, f + 25));
  var tail = longer.slice(longer.length - 25);
  if (/^50*$/.test(tail)) {
    var down = longer.slice(0, longer.length - 25);
    if (down.charAt(down.length - 1) === ".") { down = down.slice(0, -1); }
    var last = Number(down.charAt(down.length - 1));
    if (last % 2 === 0) { s = (x < 0 ? "-" : "") + down; }
  }
  return s;
}

function toExponentialEven(x, f) {
  /* toExponential rounds exact ties away from zero; Python rounds them to even (2.5e7 → 2e+07). */
  var s = x.toExponential(f);
  if (f + 25 > 100) { return s; }
  var m = /^(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(Math.abs(x).toExponential(f + 25));
  var all = m[1] + (m[2] || ""), kept = all.slice(0, f + 1);
  if (!/^50*$/.test(all.slice(f + 1)) || Number(kept.charAt(f)) % 2 !== 0) { return s; }
  return (x < 0 ? "-" : "") + kept.charAt(0) + (f > 0 ? "." + kept.slice(1) : "") + "e" + m[3];
}

function fmt(x, digits) {
  if (x !== x) { return "nan"; }
  if (x === Infinity) { return "inf"; }
  if (x === -Infinity) { return "-inf"; }
  if (x === 0) { return "0"; }
  /* the notation follows the number as written, rounded: 999999.99 at 2 digits is 1e+06, as 1e6 is */
  var ax = Math.abs(Number(toExponentialEven(x, digits - 1))), text;
  if (ax >= 1e-4 && ax < 1e6) {
    text = x.toPrecision(digits);
    if (text.indexOf("e") >= 0) {
      text = toFixedEven(x, 0);
    } else {
      var exponent = Math.floor(Math.log10(ax));
      text = stripZeros(toFixedEven(x, Math.max(0, digits - 1 - exponent)));
    }
  } else {
    var m = /^(-?[\d.]+)e([+-])(\d+)$/.exec(toExponentialEven(x, digits - 1));
    text = stripZeros(m[1]) + "e" + m[2] + (m[3].length < 2 ? "0" + m[3] : m[3]);
  }
  if (text.charAt(0) === "-" && Number(text) === 0) { text = text.slice(1); }
  return text;
}

/* -- arithmetic a learner can redo (viz/arithmetic.py): terms written with the fewest guard
   digits that make them, multiplied or added exactly, give the result as written. */

var MAX_GUARD = 4;

function termText(x, d) { var t = fmt(x, d); return t.charAt(0) === "-" ? "(" + t + ")" : t; }

function significant(text) {
  var mant = text.trim().replace(/^\(|\)$/g, "").replace(/^-/, "").split("e")[0];
  var digits = mant.replace(".", "").replace(/^0+/, "");
  return Math.max(1, digits.length);
}

/* A decimal text as an exact [BigInt mantissa, power of ten]. */
function decimal(text) {
  var t = text.trim().replace(/^\(|\)$/g, "");
  var m = /^(-?)(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/.exec(t);
  var frac = m[3] || "";
  return [BigInt(m[1] + ((m[2] || "") + frac || "0")), Number(m[4] || 0) - frac.length];
}

function exactNumber(texts, op) {
  var acc = op === "\u00d7" ? [1n, 0] : [0n, 0];
  for (var i = 0; i < texts.length; i++) {
    var x = decimal(texts[i]);
    if (op === "\u00d7") {
      acc = [acc[0] * x[0], acc[1] + x[1]];
    } else {
      var e = Math.min(acc[1], x[1]);
      acc = [acc[0] * 10n ** BigInt(acc[1] - e) + x[0] * 10n ** BigInt(x[1] - e), e];
    }
  }
  return Number(acc[0].toString() + "e" + acc[1]);  /* correctly rounded, as float(Decimal) */
}

function redoes(op, terms, result, digits) {
  var shown = Math.max(digits, significant(result));
  return fmt(exactNumber(terms, op), Math.min(shown, 17)) === result.trim().replace(/^\(|\)$/g, "");
}

function worked(op, values, result, digits, resultDigits) {
  var shownDigits = resultDigits === undefined ? digits : resultDigits;
  var resultText = fmt(result, shownDigits), texts = [];
  var finite = isFinite(result) && values.every(function (v) { return isFinite(v); });
  var base = finite ? Math.max(digits, significant(resultText)) : digits;
  for (var guard = 0; guard <= MAX_GUARD; guard++) {
    var at = Math.min(base + guard, 17);
    texts = values.map(function (v) { return termText(v, at); });
    if (!finite || redoes(op, texts, resultText, shownDigits)) {
      return {terms: texts, result: resultText, guard: at - digits, exact: true};
    }
    if (at === 17) { break; }
  }
  return {terms: texts, result: resultText, guard: Math.min(base + MAX_GUARD, 17) - digits, exact: false};
}

function workedText(w, op) {
  var text = w.terms.join(" " + op + " ") + (w.exact ? " = " : " \u2248 ") + w.result;
  if (!w.exact) {
    var most = Math.max.apply(null, w.terms.map(significant));
    text += " (the terms are rounded to " + most + " significant digits)";
  }
  return text;
}

function workedAll(op, values, results, digits) {
  var first = values.map(function (v, i) { return worked(op, v, results[i], digits); });
  var guard = Math.max.apply(null, [0].concat(first.map(function (w) { return w.guard; })));
  if (guard === 0) { return first; }
  var at = Math.min(digits + guard, 17);
  return values.map(function (v, i) { return worked(op, v, results[i], at, digits); });
}

/* A backward step's arithmetic, as viz.arithmetic.backward_step_text writes it. */
function backwardStep(local, upstream, before, digits) {
  var product = local * upstream, after = before + product;
  var added = worked("+", [before, product], after, digits);
  var at = digits + added.guard;
  var multiplied = worked("\u00d7", [local, upstream], product, at, at);
  var running = "running sum " + added.terms[0].replace(/^\(|\)$/g, "") + " + " + added.terms[1] +
    (added.exact ? " = " : " \u2248 ") + added.result;
  if (!added.exact) {
    running += " (the terms are rounded to " + Math.max.apply(null, added.terms.map(significant)) + " significant digits)";
  }
  return [workedText(multiplied, "\u00d7"), running];
}

var laneSum = RULES.laneSum;

function isLanes(x) { return x !== null && typeof x === "object"; }
function at(x, l) { return isLanes(x) ? x[l] : x; }
function copy(x) { return isLanes(x) ? x.slice() : x; }
function allFinite(x) {
  if (!isLanes(x)) { return isFinite(x); }
  for (var i = 0; i < x.length; i++) { if (!isFinite(x[i])) { return false; } }
  return true;
}

function setup(root) {
  root.setAttribute("data-ready", "1");
  var D = JSON.parse(root.querySelector(".crx-data").textContent);
  var N = D.nodes, n = N.length, L = D.lanes, ST = D.style, G = D.geo, digits = D.digits;
  var lane = D.lane;
  var R = D.root;
  var table = RULES.table;

  var nojs = root.querySelector(".crx-nojs");
  if (nojs) { nojs.parentNode.removeChild(nojs); }

  /* The graph: each node's consumers (child, slot), in backward's order. */
  var consumers = [];
  var k, i;
  for (i = 0; i < n; i++) { consumers.push([]); }
  for (i = n - 1; i >= 0; i--) {
    for (k = 0; k < N[i].p.length; k++) { consumers[N[i].p[k]].push([i, k]); }
  }
  var holdsLanes = [];
  for (i = 0; i < n; i++) {
    var nd = N[i];
    if (nd.leaf) { holdsLanes.push(isLanes(nd.d)); continue; }
    if (nd.op === "lanesum" || nd.op === "lanemean") { holdsLanes.push(false); continue; }
    var any = false;
    for (k = 0; k < nd.p.length; k++) { any = any || holdsLanes[nd.p[k]]; }
    holdsLanes.push(any);
  }
  var params = [];
  for (i = 0; i < n; i++) { if (N[i].leaf && N[i].role === "parameter" && !N[i].ro) { params.push(i); } }

  /* State: the leaves' numbers; everything else is computed from them. */
  var leafValue = [];
  for (i = 0; i < n; i++) { leafValue.push(N[i].leaf ? copy(N[i].d) : null); }
  var val = new Array(n), loc = new Array(n), grad = new Array(n), err = new Array(n), gradErr = null;

  /* -- the computation: autograd's recording and backward, in the browser ------------------ */

  function evalLanes(i) {
    var nd = N[i];
    return RULES.evaluateLanes(nd.op, nd.p.map(function (p) { return val[p]; }), nd.q, L);
  }

  function forward() {
    for (var i = 0; i < n; i++) {
      var nd = N[i];
      err[i] = null;
      if (nd.leaf) { val[i] = leafValue[i]; loc[i] = []; continue; }
      if (nd.ro) { val[i] = nd.d; loc[i] = nd.dl; continue; }
      var blocked = false;
      for (var j = 0; j < nd.p.length; j++) { if (err[nd.p[j]] !== null) { blocked = true; } }
      if (blocked) { err[i] = ""; val[i] = NaN; loc[i] = null; continue; }
      var r;
      if (holdsLanes[i] || nd.op === "lanesum" || nd.op === "lanemean") {
        r = evalLanes(i);
      } else {
        r = RULES.evaluate(nd.op, nd.p.map(function (p) { return val[p]; }), nd.q);
      }
      if (r.error) { err[i] = r.error; val[i] = NaN; loc[i] = null; } else { val[i] = r.out; loc[i] = r.local; }
    }
  }

  function times(a, b) {
    if (!isLanes(a) && !isLanes(b)) { return a * b; }
    var out = [];
    for (var l = 0; l < L; l++) { out.push(at(a, l) * at(b, l)); }
    return out;
  }

  function plus(a, b) {
    if (!isLanes(a) && !isLanes(b)) { return a + b; }
    var out = [];
    for (var l = 0; l < L; l++) { out.push(at(a, l) + at(b, l)); }
    return out;
  }

  /* ∂out/∂parent × grad of child, summed over the lanes where they meet a scalar parent. */
  function contribution(c, slot) {
    var t = times(loc[c][slot], grad[c]);
    return isLanes(t) && !holdsLanes[N[c].p[slot]] ? laneSum(t) : t;
  }

  function backward() {
    gradErr = null;
    for (var i = 0; i < n; i++) { grad[i] = null; }
    for (i = 0; i < n; i++) { if (err[i] !== null) { return; } }
    if (holdsLanes[R]) {
      var ones = [];
      for (var l = 0; l < L; l++) { ones.push(1.0); }
      grad[R] = ones;
    } else {
      grad[R] = 1.0;
    }
    for (i = n - 1; i >= 0; i--) {
      if (grad[i] === null) { continue; }
      var ps = N[i].p;
      for (var s = 0; s < ps.length; s++) {
        var t = contribution(i, s);
        grad[ps[s]] = grad[ps[s]] === null ? plus(0.0, t) : plus(grad[ps[s]], t);
      }
    }
    for (i = n - 1; i >= 0; i--) {
      if (grad[i] !== null && !allFinite(grad[i])) {
        gradErr = i;
        break;
      }
    }
  }

  /* -- the page ---------------------------------------------------------------------------- */

  var bar = el("div", {"class": "crx-bar"});
  var resetBtn = el("button", {type: "button", "class": "crx-reset", title: "back to the numbers Python computed"}, "Reset");
  bar.appendChild(resetBtn);
  var sgdBtn = null, lrInput = null;
  if (params.length) {
    sgdBtn = el("button", {type: "button", "class": "crx-sgd", title: "w \u2190 w \u2212 lr\u00b7grad for every parameter"}, "SGD step");
    lrInput = el("input", {type: "text", inputmode: "decimal", "class": "crx-lr", value: String(D.lr), size: "6", "aria-label": "learning rate"});
    var lrLabel = el("label", {}, "lr ");
    lrLabel.appendChild(lrInput);
    bar.appendChild(sgdBtn);
    bar.appendChild(lrLabel);
  }
  var stepBtn = el("button", {type: "button", "class": "crx-steps", "aria-pressed": "false",
    title: "step through the forward and backward pass of the values now shown"}, "Step through");
  bar.appendChild(stepBtn);
  var laneSelect = null;
  if (L) {
    laneSelect = el("select", {"class": "crx-lane", "aria-label": "lane shown"});
    for (var l0 = 0; l0 < L; l0++) {
      laneSelect.appendChild(el("option", {value: String(l0)}, "lane " + l0 + " of " + L));
    }
    laneSelect.value = String(lane);
    bar.appendChild(laneSelect);
  }
  var fitBtn = el("button", {type: "button", "class": "crx-fit"}, "actual size");
  bar.appendChild(fitBtn);
  var status = el("span", {"class": "crx-status", "aria-live": "polite"});
  bar.appendChild(status);
  root.appendChild(bar);

  var player = el("div", {"class": "crx-player", hidden: "hidden"});
  var prevBtn = el("button", {type: "button", "class": "crx-prev", "aria-label": "previous step", title: "previous step (\u2190)"}, "\u25C0");
  var playBtn = el("button", {type: "button", "class": "crx-play", "aria-pressed": "false"}, "\u25B6 play");
  var nextBtn = el("button", {type: "button", "class": "crx-next", "aria-label": "next step", title: "next step (\u2192)"}, "\u25B6");
  var slider = el("input", {type: "range", "class": "crx-slider", min: "1", max: "1", value: "1", step: "1", "aria-label": "step"});
  var stepStatus = el("span", {"class": "crx-step-status"});
  [prevBtn, playBtn, nextBtn, slider, stepStatus].forEach(function (e) { player.appendChild(e); });
  var caption = el("div", {"class": "crx-caption"});
  player.appendChild(caption);
  root.appendChild(player);

  if (D.note) { root.appendChild(el("p", {"class": "crx-note"}, D.note)); }

  /* Leaves: a number, a slider and its range each; inputs first, then parameters. Many of
     them (a model's) fold away under their count. */
  var leafBox = el("details", {"class": "crx-leaf-box"});
  var counts = {};
  D.leaves.forEach(function (j) { counts[N[j].role] = (counts[N[j].role] || 0) + 1; });
  leafBox.appendChild(el("summary", {}, "Leaves: " + Object.keys(counts).map(function (r) {
    return counts[r] + " " + r + (counts[r] === 1 ? "" : "s");
  }).join(", ") + " \u2014 edit any number"));
  if (D.leaves.length <= 12) { leafBox.open = true; }
  var leaves = el("div", {"class": "crx-leaves"});
  var leafRows = {};
  D.leaves.forEach(function (j) {
    leafRows[j] = leafRow(j);
    leaves.appendChild(leafRows[j].row);
  });
  leafBox.appendChild(leaves);
  root.appendChild(leafBox);

  function rangeFor(x) {
    var r = Math.max(1, 2 * Math.abs(x));
    return [Number((-r).toPrecision(3)), Number(r.toPrecision(3))];
  }

  function leafRow(i) {
    var nd = N[i], x = at(leafValue[i], lane);
    var row = el("div", {"class": "crx-leaf crx-role-" + nd.role});
    var range = rangeFor(x);
    var ro = nd.ro ? "read-only: it feeds an op the page cannot recompute" : null;
    var label = el("span", {"class": "crx-leaf-name", title: nd.role}, nd.name + (isLanes(leafValue[i]) ? "[" + lane + "]" : ""));
    row.appendChild(label);
    var input = el("input", {type: "text", inputmode: "decimal", "class": "crx-leaf-value", "data-leaf": nd.id,
      value: String(x), size: "9", "aria-label": nd.name + " (" + nd.role + ")", title: ro || "type a number, or use \u2191 \u2193"});
    var lo = el("input", {type: "text", inputmode: "decimal", "class": "crx-min", value: String(range[0]), size: "4", "aria-label": nd.name + " slider minimum"});
    var sl = el("input", {type: "range", "class": "crx-range", min: String(range[0]), max: String(range[1]), step: "any",
      value: String(x), "aria-label": nd.name + " slider"});
    var hi = el("input", {type: "text", inputmode: "decimal", "class": "crx-max", value: String(range[1]), size: "4", "aria-label": nd.name + " slider maximum"});
    if (ro) { [input, lo, sl, hi].forEach(function (e) { e.disabled = true; }); }
    [input, lo, sl, hi].forEach(function (e) { row.appendChild(e); });
    var msg = el("span", {"class": "crx-leaf-msg"});
    row.appendChild(msg);

    function set(v, from) {
      var now = leafValue[i];
      if (isLanes(now)) { now = now.slice(); now[lane] = v; } else { now = v; }
      leafValue[i] = now;
      if (from !== input) { input.value = String(v); }
      if (v < Number(sl.min)) { sl.min = lo.value = String(v); }
      if (v > Number(sl.max)) { sl.max = hi.value = String(v); }
      if (from !== sl) { sl.value = String(v); }
      input.classList.remove("crx-invalid");
      msg.textContent = "";
      update();
    }
    function parse(text) {
      var t = text.trim().replace(/\u2212/g, "-");
      if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t)) { return null; }
      var v = Number(t);
      return isFinite(v) ? v : null;
    }
    input.addEventListener("input", function () {
      var v = parse(input.value);
      if (v === null) {
        input.classList.add("crx-invalid");
        msg.textContent = input.value.trim() ? "not a finite number" : "";
        return;
      }
      set(v, input);
    });
    input.addEventListener("keydown", function (e) {
      if (e.key !== "ArrowUp" && e.key !== "ArrowDown") { return; }
      var v = parse(input.value);
      if (v === null) { v = at(leafValue[i], lane); }
      var step = (Number(sl.max) - Number(sl.min)) / 100 * (e.shiftKey ? 10 : 1);
      v = Number((v + (e.key === "ArrowUp" ? step : -step)).toPrecision(12));
      set(v, null);
      e.preventDefault();
      e.stopPropagation();
    });
    sl.addEventListener("input", function () { set(Number(Number(sl.value).toPrecision(6)), sl); });
    function setRange() {
      var a = parse(lo.value), b = parse(hi.value);
      if (a === null || b === null || !(a < b)) {
        msg.textContent = "the slider range needs two numbers, minimum < maximum";
        return;
      }
      msg.textContent = "";
      sl.min = String(a); sl.max = String(b);
      sl.value = String(at(leafValue[i], lane));
    }
    lo.addEventListener("change", setRange);
    hi.addEventListener("change", setRange);
    return {row: row, input: input, slider: sl, lo: lo, hi: hi, msg: msg, show: function () {
      var v = at(leafValue[i], lane);
      if (isLanes(leafValue[i])) { label.textContent = nd.name + "[" + lane + "]"; }
      input.value = String(v);
      input.classList.remove("crx-invalid");
      msg.textContent = "";
      var r = rangeFor(v);
      if (v < Number(sl.min) || v > Number(sl.max)) { sl.min = lo.value = String(r[0]); sl.max = hi.value = String(r[1]); }
      sl.value = String(v);
    }};
  }

  /* The picture, at the pinned layout. */
  var view = el("div", {"class": "crx-view"});
  var svg = svgEl("svg", {viewBox: "-4 -4 " + (G.w + 8) + " " + (G.h + 8), width: String((G.w + 8) * 4 / 3),
    height: String((G.h + 8) * 4 / 3),
    "font-family": ST.font + ",Helvetica,Arial,sans-serif", "font-size": String(ST.size), role: "img",
    "aria-label": "the graph, " + n + " nodes"});
  svg.appendChild(svgEl("rect", {x: "-4", y: "-4", width: String(G.w + 8), height: String(G.h + 8), fill: ST.bg}));
  var edgeLayer = svgEl("g", {"class": "crx-edges"});
  var nodeLayer = svgEl("g", {"class": "crx-nodes"});
  var noteLayer = svgEl("g", {"class": "crx-notes"});
  svg.appendChild(edgeLayer);
  svg.appendChild(nodeLayer);
  svg.appendChild(noteLayer);
  view.appendChild(svg);
  var main = el("div", {"class": "crx-main"});
  main.appendChild(view);
  var panel = el("div", {"class": "crx-panel", "aria-live": "polite"});
  panel.appendChild(el("p", {"class": "crx-hint"}, "Click a node to see why its gradient is what it is."));
  main.appendChild(panel);
  root.appendChild(main);

  /* Module boxes (a model's layers and neurons), under everything else, as the pictures draw them. */
  (G.c || []).forEach(function (c) {
    var box = svgEl("g", {"class": "crx-cluster"});
    box.appendChild(svgEl("rect", {x: String(c[0]), y: String(c[1]), width: String(c[2]), height: String(c[3]),
      rx: "6", fill: "none", stroke: ST.cluster, "stroke-width": "1"}));
    box.appendChild(svgEl("text", {x: String(c[5]), y: String(c[6] + ST.size * 0.35), fill: ST.ink,
      "font-size": String(ST.size)}, c[4]));
    edgeLayer.parentNode.insertBefore(box, edgeLayer);
  });
  var edgeEls = {};  /* "child:slot" → {path, arrow, label} */
  G.e.forEach(function (e) {
    var g = svgEl("g", {"class": "crx-edge", "data-edge": N[e[0]].id + ":" + e[1]});
    var path = svgEl("path", {d: e[2], fill: "none", stroke: ST.edge, "stroke-width": "1"});
    g.appendChild(path);
    var arrow = null;
    if (e[3]) { arrow = svgEl("polygon", {points: e[3], fill: ST.edge, stroke: ST.edge}); g.appendChild(arrow); }
    var label = svgEl("text", {x: String(e[4]), y: String(e[5] + ST.esize * 0.35), "text-anchor": "start",
      "font-size": String(ST.esize), fill: ST.ink}, "");
    g.appendChild(label);
    edgeLayer.appendChild(g);
    label._owner = g;
    g._texts = [label];
    edgeEls[e[0] + ":" + e[1]] = {g: g, path: path, arrow: arrow, label: label, child: e[0], slot: e[1]};
  });

  /* Collapsed boxes (a model's modules drawn as one box each, as the pictures collapse them):
     their rows name the box's outputs and show their numbers; the nodes inside are computed
     as every other and keep an element each (data-node, data-value, data-grad), undrawn. */
  var B = G.b || [], boxEls = [];
  B.forEach(function (b, k) { boxEls.push(drawBox(k)); });
  var boxEdgeEls = [];
  (G.x || []).forEach(function (x) {
    var g = svgEl("g", {"class": "crx-edge crx-box-edge"});
    var path = svgEl("path", {d: x[0], fill: "none", stroke: ST.edge, "stroke-width": "1.5"});
    g.appendChild(path);
    var arrow = null;
    if (x[1]) { arrow = svgEl("polygon", {points: x[1], fill: ST.edge, stroke: ST.edge}); g.appendChild(arrow); }
    if (x[2]) {
      g.appendChild(svgEl("text", {x: String(x[3]), y: String(x[4] + ST.esize * 0.35), "text-anchor": "middle",
        "font-size": String(ST.esize), fill: ST.ink}, x[2]));
    }
    edgeLayer.appendChild(g);
    boxEdgeEls.push({g: g, path: path, arrow: arrow});
  });
  var carried = G.m || {};

  var nodeEls = [];
  for (i = 0; i < n; i++) { nodeEls.push(G.n[i] ? drawNode(i) : hiddenNode(i)); }

  function hiddenNode(i) {
    var g = svgEl("g", {"class": "crx-hidden", "data-node": N[i].id, "data-box": B[N[i].box][9]});
    boxEls[N[i].box].g.appendChild(g);
    return {g: g, hidden: true, box: N[i].box};
  }

  function drawBox(k) {
    var b = B[k], x = b[0], y = b[1], w = b[2], rows = b[4], top = y;
    var g = svgEl("g", {"class": "crx-box", "data-box": b[9], tabindex: "0", role: "button",
      "aria-label": b[9] + ", collapsed"});
    var outs = [], lineH = ST.size + 2;
    for (var r = 0; r < rows.length; r++) {
      g.appendChild(svgEl("rect", {x: String(x), y: String(top), width: String(w), height: String(rows[r]),
        fill: ST.module, stroke: ST.ink, "stroke-width": "0.8"}));
      var mid = top + rows[r] / 2, cx = String(x + w / 2);
      if (r === 0) {
        var t0 = svgEl("text", {x: cx, y: String(mid + ST.size * 0.35), "text-anchor": "middle", fill: ST.ink});
        var cut = b[5].lastIndexOf(" (");
        t0.appendChild(svgEl("tspan", {"font-weight": "bold"}, b[5].slice(0, cut)));
        t0.appendChild(svgEl("tspan", {}, b[5].slice(cut)));
        g.appendChild(t0);
      } else if (r === 1 || r - 2 >= b[7].length) {
        g.appendChild(svgEl("text", {x: cx, y: String(mid + ST.size * 0.35), "text-anchor": "middle", fill: ST.ink},
          r === 1 ? b[6] : "\u2026 and " + b[8] + " more outputs"));
      } else {
        var j = b[7][r - 2];
        var line1 = svgEl("text", {x: cx, y: String(mid - lineH / 2 + ST.size * 0.35), "text-anchor": "middle", fill: ST.ink});
        line1.appendChild(svgEl("tspan", {"font-weight": "bold"}, N[j].name));
        var data = svgEl("tspan", {}, "");
        line1.appendChild(data);
        var gradT = svgEl("text", {x: cx, y: String(mid + lineH / 2 + ST.size * 0.35), "text-anchor": "middle", fill: ST.ink}, "");
        g.appendChild(line1);
        g.appendChild(gradT);
        data._owner = g; gradT._owner = g;
        outs.push({j: j, data: data, grad: gradT});
      }
      top += rows[r];
    }
    var ring = svgEl("rect", {x: String(x - 1.5), y: String(y - 1.5), width: String(w + 3), height: String(b[3] + 3),
      fill: "none", stroke: "none", "stroke-width": "2.5", "class": "crx-ring"});
    g.appendChild(ring);
    g.addEventListener("click", function (e) { e.stopPropagation(); selectBox(k); });
    g.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { selectBox(k); e.preventDefault(); } });
    nodeLayer.appendChild(g);
    g._texts = outs.map(function (o) { return o.data; }).concat(outs.map(function (o) { return o.grad; }));
    return {g: g, ring: ring, outs: outs};
  }

  /* Texts off screen wait. After an edit nearly every number changes, and the browser lays
     out each changed SVG text again (about 40 ms for 1,500 texts at 500 nodes): so a text
     whose node or edge is off screen keeps its new string aside, written when it scrolls
     into view or in small batches while the page is idle. data-value/data-grad attributes
     are always written at once; data-pending on the explorer counts the texts still waiting. */
  var waiting = 0, pending = [], flushQueued = false, unreadable = false;
  function show(t, s) {
    if (t._owner._off || unreadable) {
      t._want = s;
      if (!t._waiting && t._text !== s) { t._waiting = true; waiting++; pending.push(t); }
    } else {
      if (t._waiting) { t._waiting = false; waiting--; }
      setText(t, s);
    }
  }
  function writeWaiting(t) {
    if (t._waiting) { t._waiting = false; waiting--; setText(t, t._want); }
  }
  function flushSome() {
    flushQueued = false;
    for (var k = 0; k < 150 && pending.length;) {
      var t = pending.pop();
      if (t._waiting) { writeWaiting(t); k++; }
    }
    settle();
  }
  function settle() {
    setAttr(root, "data-pending", String(waiting));
    if (!waiting) { pending.length = 0; return; }
    if (flushQueued) { return; }
    flushQueued = true;
    if (typeof requestIdleCallback === "function") { requestIdleCallback(flushSome, {timeout: 200}); }
    else { setTimeout(flushSome, 20); }
  }
  if (typeof IntersectionObserver === "function") {
    var watcher = new IntersectionObserver(function (entries) {
      entries.forEach(function (en) {
        var g = en.target;
        g._off = !en.isIntersecting;
        if (!g._off) { g._texts.forEach(writeWaiting); }
      });
      settle();
    }, {rootMargin: "200px"});
    nodeEls.forEach(function (e) { if (!e.hidden) { watcher.observe(e.g); } });
    boxEls.forEach(function (e) { watcher.observe(e.g); });
    for (var ek in edgeEls) { watcher.observe(edgeEls[ek].g); }
  }
  /* "fit width" can shrink a large graph until its texts are specks: those wait too. */
  if (typeof ResizeObserver === "function") {
    new ResizeObserver(function (entries) {
      var shown = entries[entries.length - 1].contentRect.width;
      unreadable = shown > 0 && ST.size * shown / (G.w + 8) < 4;  /* text height in px */
      if (!unreadable) { pending.slice().forEach(function (t) { if (!t._owner._off) { writeWaiting(t); } }); }
      settle();
    }).observe(svg);
  }

  function drawNode(i) {
    var nd = N[i], box = G.n[i];
    var g = svgEl("g", {"class": "crx-node", "data-node": nd.id, tabindex: "0", role: "button",
      "aria-label": nd.name});
    var x = box[0], y = box[1], w = box[2], cells = box[4];
    var kinds = box[5].split("").map(function (c) { return {o: "op", n: "name", d: "data", g: "grad"}[c]; });
    var texts = {}, rects = [], top = y;
    for (var c = 0; c < cells.length; c++) {
      var fill = kinds[c] === "op" ? ST.op : ST.roles[nd.role];
      var rect = svgEl("rect", {x: String(x), y: String(top), width: String(w), height: String(cells[c]), fill: fill,
        stroke: ST.ink, "stroke-width": "0.8"});
      g.appendChild(rect);
      rects.push([rect, kinds[c]]);
      var t = svgEl("text", {x: String(x + w / 2), y: String(top + cells[c] / 2 + ST.size * 0.35), "text-anchor": "middle", fill: ST.ink},
        kinds[c] === "op" ? nd.sym : kinds[c] === "name" ? nd.name : "");
      if (kinds[c] === "name") { t.setAttribute("font-weight", "bold"); }
      g.appendChild(t);
      texts[kinds[c]] = t;
      top += cells[c];
    }
    var ring = svgEl("rect", {x: String(x - 1.5), y: String(y - 1.5), width: String(w + 3), height: String(box[3] + 3),
      fill: "none", stroke: "none", "stroke-width": "2.5", "class": "crx-ring"});
    g.appendChild(ring);
    g.addEventListener("click", function (e) { e.stopPropagation(); select(i); });
    g.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { select(i); e.preventDefault(); } });
    nodeLayer.appendChild(g);
    g._texts = [texts.data, texts.grad].filter(function (t) { return t; });
    g._texts.forEach(function (t) { t._owner = g; });
    return {g: g, data: texts.data, grad: texts.grad, rects: rects, ring: ring};
  }

  /* -- showing the state ------------------------------------------------------------------- */

  var selected = null, selectedBox = null, frames = null, frame = 0, timer = null;

  /* A node as the panel and captions name it: its name, and the collapsed box it is drawn in. */
  function cite(i) { return N[i].box === undefined ? N[i].name : N[i].name + " in " + B[N[i].box][9]; }

  function num(x) { return fmt(x, digits); }

  function update() {
    var t0 = performance.now();
    forward();
    backward();
    if (frames !== null) { buildFrames(); frame = Math.min(frame, frames.length - 1); }
    render();
    root.setAttribute("data-recompute-ms", (performance.now() - t0).toFixed(3));
  }

  function render() {
    if (frames !== null) { renderFrame(); return; }
    if (noteLayer.firstChild) { noteLayer.textContent = ""; }
    var firstError = null;
    for (var i = 0; i < n; i++) {
      var e = nodeEls[i], v = val[i], gr = grad[i];
      var bad = err[i] !== null;
      if (!e.hidden) {
        show(e.data, bad ? (err[i] ? "data undefined" : "data \u2014") : "data " + num(at(v, lane)));
        show(e.grad, grad[i] === null ? "grad \u2014" : "grad " + num(at(gr, lane)));
      }
      setAttr(e.g, "data-value", bad ? "" : String(at(v, lane)));
      setAttr(e.g, "data-grad", gr === null ? "" : String(at(gr, lane)));
      setAttr(e.g, "data-error", err[i] ? err[i] : null);
      if (err[i]) {
        if (firstError === null) { firstError = i; }
        errorNote(i, err[i]);
      }
      setAttr(e.g, "class", (e.hidden ? "crx-hidden" : "crx-node") + (err[i] ? " crx-bad" : err[i] === "" ? " crx-blocked" : ""));
    }
    boxEls.forEach(function (b) {
      b.outs.forEach(function (o) {
        var bad = err[o.j] !== null;
        show(o.data, bad ? (err[o.j] ? " data undefined" : " data \u2014") : " data " + num(at(val[o.j], lane)));
        show(o.grad, grad[o.j] === null ? "grad \u2014" : "grad " + num(at(grad[o.j], lane)));
      });
    });
    if (gradErr !== null) {
      errorNote(gradErr, "the gradient of " + N[gradErr].name + " overflows float64 (" + String(at(grad[gradErr], lane)) + ")");
    }
    for (var key in edgeEls) {
      var ed = edgeEls[key], d = loc[ed.child];
      show(ed.label, d ? num(at(d[ed.slot], lane)) : "");
    }
    highlight();
    var out = val[R];
    if (firstError !== null) {
      status.textContent = "undefined at " + cite(firstError) + ": " + err[firstError];
    } else if (gradErr !== null) {
      status.textContent = "a gradient overflows float64 at " + cite(gradErr);
    } else {
      status.textContent = N[R].name + " = " + num(isLanes(out) ? at(out, lane) : out) +
        (isLanes(out) ? " at lane " + lane : "") + (L ? " \u2014 nodes holding lanes show lane " + lane : "");
    }
    status.classList.toggle("crx-status-bad", firstError !== null || gradErr !== null);
    if (selected !== null) { explain(selected); }
    if (selectedBox !== null) { var open = selectedBox; selectedBox = null; selectBox(open); }
    settle();
  }

  function errorNote(i, text) {
    var box = G.n[i] || B[N[i].box];
    if (!G.n[i]) { text = cite(i) + ": " + text; }
    var words = text.split(" "), lines = [], line = "";
    words.forEach(function (w) {
      if ((line + " " + w).length > 36 && line) { lines.push(line); line = w; } else { line = line ? line + " " + w : w; }
    });
    if (line) { lines.push(line); }
    var h = lines.length * (ST.size + 2) + 6;
    var w = Math.min(G.w, Math.max(box[2], 36 * ST.size * 0.55));
    var x = Math.max(0, Math.min(G.w - w, box[0] + box[2] / 2 - w / 2));
    var y = box[1] + box[3] + 2;
    if (y + h > G.h) { y = Math.max(0, box[1] - h - 2); }
    var g = svgEl("g", {"class": "crx-error-note", "data-for": N[i].id});
    g.appendChild(svgEl("rect", {x: String(x), y: String(y), width: String(w), height: String(h), rx: "3",
      fill: ST.name === "dark" ? "#4a1414" : "#fdecea", stroke: ST.hot}));
    var t = svgEl("text", {x: String(x + 4), y: String(y + ST.size + 1), fill: ST.name === "dark" ? "#ffd7d7" : "#8b0000"});
    lines.forEach(function (ln, j) {
      t.appendChild(svgEl("tspan", {x: String(x + 4), dy: j ? String(ST.size + 2) : "0"}, ln));
    });
    g.appendChild(t);
    noteLayer.appendChild(g);
  }

  /* Paths from the output to node j: each a list of edges [child, slot] from the output down. */
  function paths(j, limit) {
    var out = [], stack = [[j, []]];
    while (stack.length && out.length < limit) {
      var top = stack.pop(), node = top[0], tail = top[1];
      if (node === R) { out.push(tail.slice().reverse()); continue; }
      var cs = consumers[node];
      for (var c = cs.length - 1; c >= 0; c--) { stack.push([cs[c][0], tail.concat([cs[c]])]); }
    }
    return out;
  }

  function pathCount(j) {
    var count = new Array(n).fill(0);
    count[R] = 1;
    for (var i = n - 1; i >= 0; i--) {
      var cs = consumers[i];
      for (var c = 0; c < cs.length; c++) { count[i] += count[cs[c][0]]; }
    }
    return count[j];
  }

  function term(t) { return t.charAt(0) === "-" ? "(" + t + ")" : t; }

  var hot = {};

  function explain(j) {
    while (panel.firstChild) { panel.removeChild(panel.firstChild); }
    var nd = N[j], on = N[R].name;
    var title = el("p", {"class": "crx-panel-title"});
    title.appendChild(el("b", {}, "\u2202" + on + "/\u2202" + nd.name));
    title.appendChild(document.createTextNode(" \u2014 why " + cite(j) + "'s gradient is what it is"));
    panel.appendChild(title);
    hot = {};
    if (grad[j] === null) {
      panel.appendChild(el("p", {}, "No gradient: " + (err.some(function (e) { return e !== null; })
        ? "a value of the graph is undefined (see the note at its node)." : "no path from the output.")));
      highlight();
      return;
    }
    var g = at(grad[j], lane);
    if (j === R) {
      var seed = el("p", {"class": "crx-sum", "data-sum": String(g)},
        "\u2202" + on + "/\u2202" + on + " = 1 (the seed: the output's gradient with respect to itself)");
      panel.appendChild(seed);
      highlight();
      return;
    }
    /* The chain rule: the sum over the consumers, in backward's order. */
    panel.appendChild(el("p", {}, "The chain rule sums, over each node that uses " + nd.name +
      ", its local derivative times that node's gradient:"));
    var list = el("ul", {"class": "crx-terms"});
    var total = null, items = [];
    consumers[j].forEach(function (cs) {
      var c = cs[0], s = cs[1], t = contribution(c, s);
      total = total === null ? plus(0.0, t) : plus(total, t);
      items.push([c, s, t]);
    });
    var shownTerms = items.map(function (it) { return at(it[2], lane); });
    var sum = worked("+", shownTerms, at(total, lane), digits);
    var termDigits = digits + sum.guard;
    items.forEach(function (it, k) {
      var c = it[0], s = it[1], cn = N[c].name, d = loc[c][s], gc = grad[c];
      var text = "\u2202" + cn + "/\u2202" + nd.name + " \u00d7 \u2202" + on + "/\u2202" + cn +
        (N[c].box !== undefined ? " (" + cite(c) + ")" : "");
      if (isLanes(times(d, gc)) && !holdsLanes[j]) {
        text += " summed over the " + L + " lanes = " + sum.terms[k].replace(/^\(|\)$/g, "");
      } else {
        var w = worked("\u00d7", [at(d, lane), at(gc, lane)], at(it[2], lane), termDigits, termDigits);
        text += " = " + workedText(w, "\u00d7");
      }
      list.appendChild(el("li", {"data-term": String(at(it[2], lane))}, text));
    });
    panel.appendChild(list);
    var sumText = items.length > 1 ? workedText(sum, "+") : sum.result;
    panel.appendChild(el("p", {"class": "crx-sum", "data-sum": String(at(total, lane))},
      "\u2202" + on + "/\u2202" + nd.name + " = " + sumText + " = " + nd.name + ".grad"));
    /* The derivative chain: every path from the output, each with its product. */
    var count = pathCount(j), shown = paths(j, 12);
    panel.appendChild(el("p", {}, "The derivative chain: " + count + " path" + (count === 1 ? "" : "s") +
      " from " + on + " to " + nd.name + (L ? " (at lane " + lane + ")" : "") +
      ", each the product of the local derivatives along it:"));
    var pl = el("ol", {"class": "crx-paths"});
    var lists = [], products = [];
    shown.forEach(function (p) {
      var factors = p.map(function (e) { return at(loc[e[0]][e[1]], lane); });
      var product = 1.0;
      factors.forEach(function (f) { product *= f; });
      /* The exact 1s of + and \u03a3 edges change nothing: left out, as the pictures leave them. */
      var kept = factors.filter(function (f) { return f !== 1; });
      lists.push(kept.length ? kept : [1]);
      products.push(product);
      p.forEach(function (e) { hot[e[0] + ":" + e[1]] = true; });
    });
    workedAll("\u00d7", lists, products, digits).forEach(function (w, k) {
      var via = shown[k].map(function (e) { return cite(e[0]); }).join(" \u2192 ") + " \u2192 " + cite(j);
      var text = lists[k].length > 1 ? workedText(w, "\u00d7") : w.result;  /* one factor: nothing to multiply */
      pl.appendChild(el("li", {"data-product": String(products[k])}, text + "   (" + via + ")"));
    });
    panel.appendChild(pl);
    if (count > shown.length) {
      panel.appendChild(el("p", {}, "\u2026 and " + (count - shown.length) + " more paths; their products add up to the same gradient."));
      /* Highlight every edge on some path, not only the listed ones. */
      var reach = new Array(n).fill(false);
      reach[j] = true;
      for (var i = 0; i < n; i++) {
        if (!reach[i]) { continue; }
        consumers[i].forEach(function (cs) { reach[cs[0]] = true; hot[cs[0] + ":" + cs[1]] = true; });
      }
    }
    highlight();
  }

  function select(j) {
    if (frames !== null) { return; }
    selectedBox = null;
    selected = selected === j ? null : j;
    if (selected === null) {
      hot = {};
      while (panel.firstChild) { panel.removeChild(panel.firstChild); }
      panel.appendChild(el("p", {"class": "crx-hint"}, "Click a node to see why its gradient is what it is."));
      highlight();
    } else {
      explain(selected);
    }
  }

  /* A collapsed box: what it holds, its outputs, and its parameters — each explains its gradient
     (a click) and can be edited (its leaf in the list of leaves). */
  function selectBox(k) {
    if (frames !== null) { return; }
    if (selectedBox === k) { select(null); selected = null; return; }
    selected = null;
    selectedBox = k;
    hot = {};
    while (panel.firstChild) { panel.removeChild(panel.firstChild); }
    var b = B[k];
    var title = el("p", {"class": "crx-panel-title"});
    title.appendChild(el("b", {}, b[9]));
    title.appendChild(document.createTextNode(" (" + b[5].slice(b[5].lastIndexOf("(") + 1) +
      " collapsed: " + b[6] + ". The page computes all of them."));
    panel.appendChild(title);
    var members = [];
    for (var i = 0; i < n; i++) { if (N[i].box === k) { members.push(i); } }
    var params = members.filter(function (i) { return N[i].leaf; });
    panel.appendChild(el("p", {}, params.length ? "Its leaves: click one to see why its gradient is what it is, " +
      "or edit it." : "It holds no leaves."));
    var list = el("ul", {"class": "crx-box-leaves"});
    params.forEach(function (i) {
      var li = el("li", {"data-leaf-of-box": N[i].id});
      var why = el("button", {type: "button", "class": "crx-why"}, N[i].name);
      why.addEventListener("click", function (e) { e.stopPropagation(); select(i); });
      li.appendChild(why);
      li.appendChild(document.createTextNode(" = " + num(at(val[i], lane)) + ", grad " +
        (grad[i] === null ? "\u2014" : num(at(grad[i], lane))) + " "));
      if (leafRows[i] && !N[i].ro) {
        var edit = el("button", {type: "button", "class": "crx-edit"}, "edit");
        edit.addEventListener("click", function (e) {
          e.stopPropagation();
          leafBox.open = true;
          leafRows[i].input.scrollIntoView({block: "center"});
          leafRows[i].input.focus();
        });
        li.appendChild(edit);
      }
      list.appendChild(li);
    });
    panel.appendChild(list);
    panel.appendChild(el("p", {"class": "crx-hint"}, "To draw the nodes inside the boxes, explore fewer samples or a " +
      "smaller model, or pass collapse=None, max_nodes=" + n + " to viz.explore (a picture of " + n + " nodes)."));
    highlight();
  }

  function highlight(focusNode, hotEdge) {
    var any = false;
    for (var key in hot) { any = true; break; }
    for (var k2 in edgeEls) {
      var ed = edgeEls[k2], on = hotEdge !== undefined ? hotEdge === k2 : !!hot[k2];
      var colour = on ? ST.hot : any && hotEdge === undefined ? ST.dim : ST.edge;
      setAttr(ed.path, "stroke", colour);
      setAttr(ed.path, "stroke-width", on ? "2.2" : "1");
      if (ed.arrow) { setAttr(ed.arrow, "fill", colour); setAttr(ed.arrow, "stroke", colour); }
      setAttr(ed.label, "font-weight", on ? "bold" : "normal");
      setAttr(ed.g, "class", on ? "crx-edge crx-hot" : "crx-edge");
    }
    /* Edges inside collapsed boxes are not drawn: the box edge that carries one is lit instead. */
    var boxHot = {};
    var keys = hotEdge !== undefined ? [hotEdge] : Object.keys(hot);
    keys.forEach(function (key) { if (carried[key] !== undefined) { boxHot[carried[key]] = true; } });
    boxEdgeEls.forEach(function (ed, k) {
      var on = !!boxHot[k], colour = on ? ST.hot : any && hotEdge === undefined ? ST.dim : ST.edge;
      setAttr(ed.path, "stroke", colour);
      setAttr(ed.path, "stroke-width", on ? "2.5" : "1.5");
      if (ed.arrow) { setAttr(ed.arrow, "fill", colour); setAttr(ed.arrow, "stroke", colour); }
      setAttr(ed.g, "class", on ? "crx-edge crx-box-edge crx-hot" : "crx-edge crx-box-edge");
    });
    var focus = focusNode !== undefined ? focusNode : selected;
    var boxFocus = selectedBox, boxBad = {};
    for (var i = 0; i < n; i++) {
      var e = nodeEls[i];
      if (e.hidden) {
        if (i === focus) { boxFocus = e.box; }
        if (err[i]) { boxBad[e.box] = true; }
        continue;
      }
      setAttr(e.ring, "stroke", i === focus ? ST.hot : err[i] ? ST.hot : "none");
      setAttr(e.ring, "stroke-dasharray", err[i] && i !== focus ? "4 2" : "none");
    }
    boxEls.forEach(function (b, k) {
      setAttr(b.ring, "stroke", k === boxFocus || boxBad[k] ? ST.hot : "none");
      setAttr(b.ring, "stroke-dasharray", boxBad[k] && k !== boxFocus ? "4 2" : "none");
    });
  }

  /* -- step through the live pass ------------------------------------------------------------ */

  function buildFrames() {
    frames = [];
    for (var i = 0; i < n; i++) {
      frames.push({phase: "forward", node: i});
      if (err[i] !== null) { break; }
    }
    if (frames.length < n || err.some(function (e) { return e !== null; })) { return; }
    frames.push({phase: "seed", node: R});
    for (i = n - 1; i >= 0; i--) {
      for (var s = 0; s < N[i].p.length; s++) { frames.push({phase: "backward", node: N[i].p[s], child: i, slot: s}); }
    }
  }

  function call(i) {
    var nd = N[i], args = nd.p.map(function (p) { return N[p].name; });
    var infix = {add: 1, sub: 1, mul: 1, div: 1, powv: 1};
    var q = nd.q === null ? "" : term(num(nd.q));
    var e;
    if (infix[nd.op] && args.length === 2) { e = args[0] + " " + nd.sym + " " + args[1]; }
    else if (nd.op === "pow") { e = args[0] + "**" + q; }
    else if (nd.op === "rpow") { e = q + "**" + args[0]; }
    else { e = (nd.op === "sum" || nd.op === "dot" ? nd.op : nd.sym) + "(" + args.join(", ") + ")"; }
    return nd.name + " = " + e + " = " + num(at(val[i], lane));
  }

  function renderFrame() {
    var f = frames[frame], i, known = [], gs = new Array(n).fill(null);
    for (i = 0; i < n; i++) { known.push(f.phase === "forward" ? i <= f.node : true); }
    var text = "";
    for (var k3 = 0; k3 <= frame; k3++) {
      var fr = frames[k3];
      if (fr.phase === "seed") { gs[R] = holdsLanes[R] ? grad[R].map(function () { return 1.0; }) : 1.0; }
      if (fr.phase === "backward") {
        var before = gs[fr.node] === null ? 0.0 : gs[fr.node];
        var t = contribution(fr.child, fr.slot);
        gs[fr.node] = plus(before, t);
        if (k3 === frame) {
          var c = N[fr.child].name, p = N[fr.node].name;
          var head = p + ".grad += \u2202" + c + "/\u2202" + p + " \u00d7 " + c + ".grad = ";
          if (isLanes(times(loc[fr.child][fr.slot], gs[fr.child])) && !holdsLanes[fr.node]) {
            text = head + term(num(at(loc[fr.child][fr.slot], lane))) + " \u00d7 " + term(num(at(gs[fr.child], lane))) +
              " at lane " + lane + ", summed over the lanes = " + num(t) +
              "; running sum " + num(before) + " + " + term(num(t)) + " = " + num(gs[fr.node]);
          } else {
            var step = backwardStep(at(loc[fr.child][fr.slot], lane), at(gs[fr.child], lane), at(before, lane), digits);
            text = head + step[0] + "; " + step[1];
          }
        }
      }
    }
    if (f.phase === "forward") {
      var nd = N[f.node];
      text = nd.leaf ? nd.name + " = " + num(at(val[f.node], lane)) + " (" + nd.role + ")" :
        err[f.node] !== null ? nd.name + ": " + err[f.node] : call(f.node);
    } else if (f.phase === "seed") {
      text = N[R].name + ".grad = \u2202" + N[R].name + "/\u2202" + N[R].name + " = 1 (the seed)";
    }
    for (i = 0; i < n; i++) {
      var e = nodeEls[i];
      if (e.hidden) { continue; }
      show(e.data, known[i] ? (err[i] !== null ? "data undefined" : "data " + num(at(val[i], lane))) : "data ?");
      show(e.grad, f.phase === "forward" ? "" : gs[i] === null ? "grad ?" : "grad " + num(at(gs[i], lane)));
    }
    boxEls.forEach(function (b) {
      b.outs.forEach(function (o) {
        show(o.data, known[o.j] ? (err[o.j] !== null ? " data undefined" : " data " + num(at(val[o.j], lane))) : " data ?");
        show(o.grad, f.phase === "forward" ? "" : gs[o.j] === null ? "grad ?" : "grad " + num(at(gs[o.j], lane)));
      });
    });
    for (var key in edgeEls) {
      var ed = edgeEls[key];
      var onEdge = f.phase === "backward" && key === f.child + ":" + f.slot;
      show(ed.label, onEdge ? num(at(loc[ed.child][ed.slot], lane)) : "");
    }
    highlight(f.node, f.phase === "backward" ? f.child + ":" + f.slot : "");
    slider.max = String(frames.length);
    slider.value = String(frame + 1);
    stepStatus.textContent = "step " + (frame + 1) + "/" + frames.length + " (" + (f.phase === "seed" ? "backward" : f.phase) + ")";
    /* The nodes this frame names that are drawn inside a collapsed box: said where they are. */
    var named = [f.node].concat(f.phase === "backward" ? [f.child] : f.phase === "forward" ? N[f.node].p : []);
    var inside = [];
    named.forEach(function (i) { if (N[i].box !== undefined && inside.indexOf(cite(i)) < 0) { inside.push(cite(i)); } });
    caption.textContent = text + (inside.length ? " (" + inside.join(", ") + ")" : "");
    settle();
  }

  function stopPlay() {
    if (timer !== null) { clearInterval(timer); timer = null; }
    playBtn.textContent = "\u25B6 play";
    playBtn.setAttribute("aria-pressed", "false");
  }

  function showFrame(k) {
    if (frames === null) { return; }
    frame = Math.max(0, Math.min(frames.length - 1, k));
    renderFrame();
  }

  function toggleSteps(on) {
    stopPlay();
    if (on) {
      hot = {};
      selected = null;
      selectedBox = null;
      buildFrames();
      frame = 0;
      player.hidden = false;
      panel.hidden = true;
      stepBtn.textContent = "Live values";
      stepBtn.setAttribute("aria-pressed", "true");
      renderFrame();
    } else {
      frames = null;
      player.hidden = true;
      panel.hidden = false;
      stepBtn.textContent = "Step through";
      stepBtn.setAttribute("aria-pressed", "false");
      select(null);
      render();
    }
  }

  stepBtn.addEventListener("click", function () { toggleSteps(frames === null); });
  prevBtn.addEventListener("click", function () { stopPlay(); showFrame(frame - 1); });
  nextBtn.addEventListener("click", function () { stopPlay(); showFrame(frame + 1); });
  slider.addEventListener("input", function () { stopPlay(); showFrame(Number(slider.value) - 1); });
  playBtn.addEventListener("click", function () {
    if (timer !== null) { stopPlay(); return; }
    if (frame >= frames.length - 1) { showFrame(0); }
    timer = setInterval(function () { if (frame >= frames.length - 1) { stopPlay(); } else { showFrame(frame + 1); } }, 700);
    playBtn.textContent = "\u25A0 pause";
    playBtn.setAttribute("aria-pressed", "true");
  });
  root.addEventListener("keydown", function (e) {
    if (frames === null || e.target.tagName === "INPUT" || e.target.tagName === "SELECT") { return; }
    if (e.key === "ArrowLeft") { stopPlay(); showFrame(frame - 1); }
    else if (e.key === "ArrowRight") { stopPlay(); showFrame(frame + 1); }
    else if (e.key === "Home") { stopPlay(); showFrame(0); }
    else if (e.key === "End") { stopPlay(); showFrame(frames.length - 1); }
    else { return; }
    e.preventDefault();
  });

  /* -- the other controls ------------------------------------------------------------------ */

  resetBtn.addEventListener("click", function () {
    for (var i = 0; i < n; i++) { if (N[i].leaf) { leafValue[i] = copy(N[i].d); } }
    for (var key in leafRows) { leafRows[key].show(); }
    update();
  });

  if (sgdBtn) {
    sgdBtn.addEventListener("click", function () {
      var lr = Number(lrInput.value.trim().replace(/\u2212/g, "-"));
      if (!isFinite(lr) || !(lr > 0) || lrInput.value.trim() === "") {
        lrInput.classList.add("crx-invalid");
        status.textContent = "lr must be a positive number";
        return;
      }
      lrInput.classList.remove("crx-invalid");
      if (grad[R] === null) { status.textContent = "no gradient to step with: a value is undefined"; return; }
      var before = val[R];
      params.forEach(function (p) {
        var w = leafValue[p], g = grad[p];
        leafValue[p] = isLanes(w) ? w.map(function (x, l) { return x - lr * at(g, l); }) : w - lr * g;
      });
      for (var key in leafRows) { leafRows[key].show(); }
      update();
      if (err[R] === null && !isLanes(before)) {
        status.textContent = N[R].name + ": " + num(before) + " \u2192 " + num(val[R]) + " after one SGD step (lr " + lr + ")";
      }
    });
  }

  if (laneSelect) {
    laneSelect.addEventListener("change", function () {
      lane = Number(laneSelect.value);
      for (var key in leafRows) { leafRows[key].show(); }
      render();
    });
  }

  function setFit(on) {
    root.classList.toggle("crx-fitted", on);
    fitBtn.textContent = on ? "actual size" : "fit width";
  }
  fitBtn.addEventListener("click", function () { setFit(!root.classList.contains("crx-fitted")); });
  svg.addEventListener("click", function () {
    if (selected !== null) { select(selected); } else if (selectedBox !== null) { selectBox(selectedBox); }
  });

  var scale = main.clientWidth > 0 ? main.clientWidth / (G.w * 4 / 3) : 1;
  setFit(scale >= 0.6);
  /* A picture wider than the column puts the panel under it: the picture then scrolls in a
     box about a screen high, so the panel stays near the node clicked. */
  root.classList.toggle("crx-wide", scale < 0.6);
  update();
}

var explorers = document.querySelectorAll(".chainrule-explorer:not([data-ready])");
for (var e0 = 0; e0 < explorers.length; e0++) { setup(explorers[e0]); }
