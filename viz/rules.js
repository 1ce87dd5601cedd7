/* chainrule's rule table in JavaScript: each primitive's forward value and local derivatives,
   the same formulas as autograd/core/rules.py (and autograd/core/functions.py's careful forwards), in
   float64, with the same domain refusals and the same words.

   This file is the one JavaScript form of the table: the explorer's script (explore.js) is
   built around it, and tests/test_explore_rules.py runs it in Chromium against Python at many
   points per rule. It defines one name, RULES, inside the script that includes it (no global).

   Each entry: {arity, param, forward(xs, p), local(out, xs, p)}; `xs` is an array of numbers,
   `p` the op's constant parameter (or null). A refusal is thrown as an Undefined with the
   reason Python's DomainError gives after "is undefined: ". evaluate() runs an op as
   autograd/core/record.py records it: forward, local derivatives, then the finiteness checks. */
var RULES = (function () {
  "use strict";

  function Undefined(reason) { this.reason = reason; }

  var OVERFLOW = "overflows float64";
  var MAX_EXP = Math.log(1.7976931348623157e308);

  /* Python's math.fsum (Shewchuk's exact partials, as CPython's msum), with its errors. */
  function fsum(xs) {
    var p = [];
    var special = 0.0, infs = 0.0;
    for (var k = 0; k < xs.length; k++) {
      var x = xs[k], xsave = x, i = 0;
      for (var j = 0; j < p.length; j++) {
        var y = p[j];
        if (Math.abs(x) < Math.abs(y)) { var t = x; x = y; y = t; }
        var hi = x + y, lo = y - (hi - x);
        if (lo !== 0.0) { p[i++] = lo; }
        x = hi;
      }
      p.length = i;
      if (x !== 0.0) {
        if (!isFinite(x)) {
          if (isFinite(xsave)) { throw new Undefined("intermediate overflow in fsum"); }
          if (xsave === Infinity || xsave === -Infinity) { infs += xsave; }
          special += xsave;
          p.length = 0;
        } else {
          p.push(x);
        }
      }
    }
    if (special !== 0.0) {
      if (isNaN(infs)) { throw new Undefined("-inf + inf in fsum"); }
      return special;
    }
    var n = p.length, sum = 0.0;
    if (n > 0) {
      sum = p[--n];
      var lo2 = 0.0;
      while (n > 0) {
        var xx = sum, yy = p[--n];
        sum = xx + yy;
        lo2 = yy - (sum - xx);
        if (lo2 !== 0.0) { break; }
      }
      if (n > 0 && ((lo2 < 0.0 && p[n - 1] < 0.0) || (lo2 > 0.0 && p[n - 1] > 0.0))) {
        var y2 = lo2 * 2.0, x2 = sum + y2;
        if (y2 === x2 - sum) { sum = x2; }
      }
    }
    return sum;
  }

  /* A finite double as an exact integer count of 2**-1074 (every finite double is one). */
  function units(x) {
    var buf = new DataView(new ArrayBuffer(8));
    buf.setFloat64(0, x);
    var hi = buf.getUint32(0), lo = buf.getUint32(4);
    var exp = (hi >>> 20) & 0x7ff;
    var mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
    var n = exp === 0 ? mant : (mant | (1n << 52n)) << BigInt(exp - 1);
    return hi >>> 31 ? -n : n;
  }

  /* An exact count of 2**-1074 rounded to the nearest double, ties to even (Python's float(Fraction)). */
  function nearest(n) {
    var neg = n < 0n, m = neg ? -n : n;
    var bits = m.toString(2).length, value;
    if (bits <= 53) {
      value = Number(m) * 5e-324;  /* exact: a multiple of the smallest subnormal */
    } else {
      var shift = bits - 53, q = m >> BigInt(shift), r = m - (q << BigInt(shift)), half = 1n << BigInt(shift - 1);
      if (r > half || (r === half && (q & 1n) === 1n)) { q += 1n; }
      var e = shift - 1074;
      value = e >= 1024 ? Infinity : Number(q) * Math.pow(2, e);
    }
    return neg ? -value : value;
  }

  /* autograd's sum_forward: math.fsum, and where a partial sum overflows but the total does
     not, the exact sum rounded once. */
  function sumForward(xs) {
    try {
      return fsum(xs);
    } catch (e) {
      if (!(e instanceof Undefined) || e.reason !== "intermediate overflow in fsum") { throw e; }
    }
    var total = 0n;
    for (var i = 0; i < xs.length; i++) { total += units(xs[i]); }
    var out = nearest(total);
    if (!isFinite(out)) { throw new Undefined("the sum overflows float64"); }
    return out;
  }

  /* Python's float ** float where it is defined (the callers refuse the rest first): an
     overflow raises, as Python's does. */
  function pow(a, b) {
    var r = Math.pow(a, b);
    if (!isFinite(r)) { throw new Undefined(OVERFLOW); }
    return r;
  }

  /* Python's float ** float, where the rules use it on any floats (0 ** negative raises). */
  function fpow(a, b) {
    if (a === 0.0 && b < 0.0) { throw new Undefined("0.0 cannot be raised to a negative power"); }
    return pow(a, b);
  }

  /* out·log(base), 0 where base = 0 (autograd/core/functions.py's _times_log on floats). */
  function timesLog(out, base) {
    if (base === 0.0) { return 0.0; }
    if (base < 0.0) { throw new Undefined("math domain error"); }
    return out * Math.log(base);
  }

  function powValue(a, b) {
    if (a < 0.0) { throw new Undefined("a Value exponent needs a base >= 0 (\u2202/\u2202exponent = out\u00b7log(base))"); }
    if (a === 0.0 && b < 0.0) { throw new Undefined("zero to a negative power is infinite"); }
    return pow(a, b);
  }

  function sigmoid(x) {
    if (x >= 0.0) { return 1.0 / (1.0 + Math.exp(-x)); }
    var z = Math.exp(x);
    return z / (1.0 + z);
  }

  function step(x) { return x > 0.0 ? 1.0 : 0.0; }
  function sign(x) { return x > 0.0 ? 1.0 : x < 0.0 ? -1.0 : 0.0; }

  function rule(arity, param, forward, local, finite) {
    return {arity: arity, param: param, forward: forward, local: local, finiteLocal: !!finite};
  }

  var table = {
    add: rule(2, false, function (x) { return x[0] + x[1]; }, function () { return [1.0, 1.0]; }, true),
    sub: rule(2, false, function (x) { return x[0] - x[1]; }, function () { return [1.0, -1.0]; }, true),
    mul: rule(2, false, function (x) { return x[0] * x[1]; }, function (o, x) { return [x[1], x[0]]; }, true),
    div: rule(2, false,
      function (x) { if (x[1] === 0.0) { throw new Undefined("division by zero"); } return x[0] / x[1]; },
      function (o, x) { return [1.0 / x[1], -o / x[1]]; }),
    neg: rule(1, false, function (x) { return -x[0]; }, function () { return [-1.0]; }, true),
    pow: rule(1, true,
      function (x, p) {
        var a = x[0];
        if (a < 0.0 && !Number.isInteger(p)) { throw new Undefined("a negative base needs an integer exponent"); }
        if (a === 0.0 && p < 0.0) { throw new Undefined("zero to a negative power is infinite"); }
        return pow(a, p);
      },
      function (o, x, p) {
        if (p === 0.0) { return [0.0]; }
        if (x[0] === 0.0 && p < 1.0) { throw new Undefined("the derivative p\u00b7x**(p-1) is infinite at 0 for p < 1"); }
        return [p * pow(x[0], p - 1.0)];
      }),
    powv: rule(2, false,
      function (x) { return powValue(x[0], x[1]); },
      function (o, x) {
        var a = x[0], b = x[1];
        if (a === 0.0 && 0.0 < b && b < 1.0) {
          throw new Undefined("the derivative y\u00b7x**(y-1) with respect to the base x is infinite at 0 for 0 < y < 1");
        }
        return [b === 0.0 ? 0.0 : b * pow(a, b - 1.0), a === 0.0 ? 0.0 : o * Math.log(a)];
      }),
    powv_dbase: rule(2, false,
      function (x) { return x[1] === 0.0 ? 0.0 : x[1] * powValue(x[0], x[1] - 1.0); },
      function (o, x) {
        var a = x[0], b = x[1], p = fpow(a, b - 1.0);
        return [b * (b - 1.0) * fpow(a, b - 2.0), p + b * timesLog(p, a)];
      }),
    rpow: rule(1, true,
      function (x, c) { return powValue(c, x[0]); },
      function (o, x, c) { return [c === 0.0 ? 0.0 : o * Math.log(c)]; }),
    exp: rule(1, false,
      function (x) {
        if (x[0] > MAX_EXP) { throw new Undefined(OVERFLOW + " (needs x <= 709.782713)"); }
        var r = Math.exp(x[0]);
        if (!isFinite(r)) { throw new Undefined(OVERFLOW); }
        return r;
      },
      function (o) { return [o]; }, true),
    log: rule(1, false,
      function (x) { if (x[0] <= 0.0) { throw new Undefined("needs x > 0"); } return Math.log(x[0]); },
      function (o, x) { return [1.0 / x[0]]; }),
    log1p: rule(1, false,
      function (x) { if (x[0] <= -1.0) { throw new Undefined("needs x > -1"); } return Math.log1p(x[0]); },
      function (o, x) { return [1.0 / (1.0 + x[0])]; }, true),
    sqrt: rule(1, false,
      function (x) { if (x[0] < 0.0) { throw new Undefined("needs x >= 0"); } return Math.sqrt(x[0]); },
      function (o) {
        if (o === 0.0) { throw new Undefined("the derivative 1/(2\u00b7sqrt(x)) is infinite at 0"); }
        return [0.5 / o];
      }),
    tanh: rule(1, false, function (x) { return Math.tanh(x[0]); }, function (o) { return [1.0 - o * o]; }, true),
    sigmoid: rule(1, false, function (x) { return sigmoid(x[0]); }, function (o) { return [o * (1.0 - o)]; }, true),
    tanh_backward: rule(2, false,
      function (x) { return (1.0 - x[0] * x[0]) * x[1]; },
      function (o, x) { return [-2.0 * x[0] * x[1], 1.0 - x[0] * x[0]]; }),
    sigmoid_backward: rule(2, false,
      function (x) { return x[0] * (1.0 - x[0]) * x[1]; },
      function (o, x) { return [(1.0 - 2.0 * x[0]) * x[1], x[0] * (1.0 - x[0])]; }),
    relu: rule(1, false, function (x) { return x[0] > 0.0 ? x[0] : 0.0; }, function (o, x) { return [step(x[0])]; }, true),
    leaky_relu: rule(1, true,
      function (x, s) { return x[0] > 0.0 ? x[0] : s * x[0]; },
      function (o, x, s) { return [x[0] > 0.0 ? 1.0 : s]; }, true),
    abs: rule(1, false, function (x) { return Math.abs(x[0]); }, function (o, x) { return [sign(x[0])]; }, true),
    sin: rule(1, false, function (x) { return Math.sin(x[0]); }, function (o, x) { return [Math.cos(x[0])]; }, true),
    cos: rule(1, false, function (x) { return Math.cos(x[0]); }, function (o, x) { return [-Math.sin(x[0])]; }, true),
    sum: rule(-1, false, function (x) { return sumForward(x); },
      function (o, x) { var d = []; for (var i = 0; i < x.length; i++) { d.push(1.0); } return d; }, true),
    dot: rule(-1, false,
      function (x) {
        var terms = [];
        for (var i = 0; i + 1 < x.length; i += 2) { terms.push(x[i] * x[i + 1]); }
        if (x.length % 2) { terms.push(x[x.length - 1]); }
        return fsum(terms);
      },
      function (o, x) {
        var d = [];
        for (var i = 0; i + 1 < x.length; i += 2) { d.push(x[i + 1]); d.push(x[i]); }
        if (x.length % 2) { d.push(1.0); }
        return d;
      }, true),
    /* On one lane these are the identity; the explorer reduces over the lanes itself. */
    lanesum: rule(1, false, function (x) { return x[0]; }, function () { return [1.0]; }, true),
    lanemean: rule(1, false, function (x) { return x[0]; }, function () { return [1.0]; }, true)
  };

  /* Python's repr of a float: shortest round-trip digits, fixed notation for exponents
     -4 … 15, otherwise d.ddde±XX. */
  function repr(x) {
    if (x !== x) { return "nan"; }
    if (x === Infinity) { return "inf"; }
    if (x === -Infinity) { return "-inf"; }
    if (x === 0.0) { return 1 / x < 0 ? "-0.0" : "0.0"; }
    var s = x.toExponential();  /* shortest digits that round-trip */
    var m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
    var neg = m[1], digits = m[2] + (m[3] || ""), e = Number(m[4]);
    if (e < -4 || e >= 16) {
      var mant = digits.length > 1 ? digits[0] + "." + digits.slice(1) : digits;
      var ee = Math.abs(e) < 10 ? "0" + Math.abs(e) : String(Math.abs(e));
      return neg + mant + "e" + (e < 0 ? "-" : "+") + ee;
    }
    if (e < 0) { return neg + "0." + new Array(-e).join("0") + digits; }
    if (digits.length <= e + 1) { return neg + digits + new Array(e + 2 - digits.length).join("0") + ".0"; }
    return neg + digits.slice(0, e + 1) + "." + digits.slice(e + 1);
  }

  var SYMBOLS = {add: "+", sub: "-", mul: "*", div: "/", powv: "**"};

  /* How autograd/core/errors.py writes an op applied to its arguments: "log(-0.3)", "(-1.0) ** 0.5". */
  function expr(name, xs, p) {
    if (SYMBOLS[name] && xs.length === 2) {
      var a = repr(xs[0]), b = repr(xs[1]);
      return xs[0] < 0 ? "(" + a + ") " + SYMBOLS[name] + " (" + b + ")" : a + " " + SYMBOLS[name] + " " + b;
    }
    if (name === "pow") { return (xs[0] < 0 ? "(" + repr(xs[0]) + ")" : repr(xs[0])) + " ** " + repr(p); }
    if (name === "rpow" && p !== null) { return (p < 0 ? "(" + repr(p) + ")" : repr(p)) + " ** " + repr(xs[0]); }
    var shown = [];
    for (var i = 0; i < Math.min(xs.length, 6); i++) { shown.push(repr(xs[i])); }
    if (xs.length > 6) { shown.push("\u2026 " + xs.length + " arguments in all"); }
    var args = shown.join(", ");
    if (p !== null && p !== undefined) { args += ", " + repr(p); }
    return name + "(" + args + ")";
  }

  /* One op, as autograd/core/record.py records it: {out, local} or {error: "log(-0.3) is undefined: needs x > 0"}. */
  function evaluate(name, xs, p) {
    var r = table[name];
    if (p === undefined) { p = null; }
    var out, local;
    try {
      out = r.forward(xs, p);
      local = r.local(out, xs, p);
    } catch (e) {
      if (e instanceof Undefined) { return {error: expr(name, xs, p) + " is undefined: " + e.reason}; }
      throw e;
    }
    var checked = [out].concat(local);
    for (var i = 0; i < checked.length; i++) {
      var v = checked[i];
      if (isFinite(v)) { continue; }
      var what = i === 0 ? "value" : "local derivative " + (i - 1);
      return {error: expr(name, xs, p) + " " + (v !== v ? "is undefined" : OVERFLOW) + " (" + what + " " + repr(v) + ")"};
    }
    return {out: out, local: local};
  }

  /* numpy's pairwise sum (what float(lanes.sum()) gives): the first element plus the rest in
     blocks of eight accumulators, halves above 128. */
  function pairwise(a, start, n) {
    var i, res;
    if (n < 8) {
      res = -0.0;
      for (i = 0; i < n; i++) { res += a[start + i]; }
      return res;
    }
    if (n <= 128) {
      var r = [a[start], a[start + 1], a[start + 2], a[start + 3], a[start + 4], a[start + 5], a[start + 6], a[start + 7]];
      for (i = 8; i < n - (n % 8); i += 8) {
        for (var j = 0; j < 8; j++) { r[j] += a[start + i + j]; }
      }
      res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
      for (; i < n; i++) { res += a[start + i]; }
      return res;
    }
    var n2 = Math.floor(n / 2);
    n2 -= n2 % 8;
    return pairwise(a, start, n2) + pairwise(a, start + n2, n - n2);
  }

  function laneSum(a) { return pairwise(a, 0, a.length); }

  /* numpy's mean; where the sum of finite lanes overflows, the lanes scaled down by a power
     of two first (autograd/core/functions.py's lanemean_forward). */
  function laneMean(a) {
    var mean = laneSum(a) / a.length;
    if (isFinite(mean) || !a.every(isFinite)) { return mean; }
    var k = a.length.toString(2).length + 1, scale = Math.pow(2, -k);
    return laneSum(a.map(function (x) { return x * scale; })) / a.length / scale;
  }

  function isLanes(x) { return x !== null && typeof x === "object"; }
  function at(x, l) { return isLanes(x) ? x[l] : x; }

  /* numpy's forwards of sum and dot on lanes: added left to right (no exact sum, as lanes get). */
  var LANEWISE = {
    sum: function (xs) { var t = xs[0]; for (var j = 1; j < xs.length; j++) { t = t + xs[j]; } return t; },
    dot: function (xs) {
      if (xs.length === 1) { return xs[0]; }  /* dot(b) = b */
      var t = xs[0] * xs[1];
      for (var j = 2; j < xs.length - 1; j += 2) { t = t + xs[j] * xs[j + 1]; }
      return xs.length % 2 ? t + xs[xs.length - 1] : t;
    }
  };

  /* One op on lanes (arrays of L numbers; a plain number is the same in every lane), as
     autograd/core/lanes.py's evaluate records it: {out, local} (lanes, or a number where a
     reduction gives one) or {error: "log(-0.3) is undefined or overflows at lane 2"} — the
     first lane whose value is not finite, else (for rules whose derivatives can fail) the
     first derivative, in order, with a lane that is not. */
  function evaluateLanes(name, xs, p, L) {
    var r = table[name], k, l;
    if (p === undefined) { p = null; }
    if (name === "lanesum" || name === "lanemean") {
      var a = xs[0];
      if (!isLanes(a)) { return evaluate(name, xs, p); }
      var out = name === "lanemean" ? laneMean(a) : laneSum(a), d = [];
      for (l = 0; l < a.length; l++) { d.push(name === "lanemean" ? 1.0 / a.length : 1.0); }
      if (!isFinite(out)) { return {error: expr(name, [a[0]], p) + " is undefined or overflows at lane 0"}; }
      return {out: out, local: [d]};
    }
    var outs = [], locals = [], badValue = -1, badLocal = [];
    for (k = 0; k < xs.length; k++) { locals.push([]); badLocal.push(-1); }
    var lanewise = LANEWISE[name] || function (x) { return r.forward(x, p); };
    for (l = 0; l < L; l++) {
      var xl = xs.map(function (x) { return at(x, l); });
      var o = NaN, dl = null;
      try { o = lanewise(xl); } catch (e) { if (!(e instanceof Undefined)) { throw e; } }
      if (isFinite(o)) {
        try { dl = r.local(o, xl, p); } catch (e2) { if (!(e2 instanceof Undefined)) { throw e2; } }
      }
      outs.push(o);
      if (!isFinite(o) && badValue < 0) { badValue = l; }
      for (k = 0; k < xs.length; k++) {
        var dk = dl === null ? NaN : dl[k];
        locals[k].push(dk);
        if (isFinite(o) && !isFinite(dk) && badLocal[k] < 0) { badLocal[k] = l; }
      }
    }
    function lane(j) { return xs.map(function (x) { return at(x, j); }); }
    if (badValue >= 0) { return {error: expr(name, lane(badValue), p) + " is undefined or overflows at lane " + badValue}; }
    if (!r.finiteLocal) {
      for (k = 0; k < xs.length; k++) {
        if (badLocal[k] >= 0) {
          return {error: expr(name, lane(badLocal[k]), p) + ": local derivative is not finite at lane " + badLocal[k]};
        }
      }
    }
    return {out: outs, local: locals};
  }

  return {table: table, evaluate: evaluate, evaluateLanes: evaluateLanes, laneSum: laneSum, repr: repr, fsum: fsum};
})();
