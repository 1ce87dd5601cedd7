/* chainrule's step-through player: no dependencies, no globals, no network.
   Sets up every .chainrule-player on the page that is not set up yet, so several
   players (and several copies of this script) live side by side. */
(function () {
  "use strict";

  function setup(root) {
    root.setAttribute("data-ready", "1");
    var data = JSON.parse(root.querySelector(".crp-data").textContent);
    var frames = data.frames;
    var n = frames.length;
    var frame = root.querySelector(".crp-frame");
    var slots = [];      /* the part shown in each slot of the SVG, for frame `built` */
    var built = -1;
    var slider = root.querySelector(".crp-slider");
    var status = root.querySelector(".crp-status");
    var caption = root.querySelector(".crp-caption");
    var view = root.querySelector(".crp-view");
    var play = root.querySelector(".crp-play");
    var speed = root.querySelector(".crp-speed");
    var fit = root.querySelector(".crp-fit");
    var current = 0;
    var timer = null;

    function build(k) {
      /* Frame k's SVG: frame 0's slots, then each later frame's changes, up to k. */
      if (k < built) { slots = []; built = -1; }
      for (var i = built + 1; i <= k; i++) {
        var c = frames[i].c;
        for (var j = 0; j < c.length; j += 2) { slots[c[j]] = c[j + 1]; }
        slots.length = frames[i].n;
      }
      built = k;
      var out = new Array(slots.length);
      for (var s = 0; s < slots.length; s++) { out[s] = data.parts[slots[s]]; }
      return out.join("");
    }

    function focusNode() {
      var name = frame.getAttribute("data-focus");
      var nodes = frame.querySelectorAll("g.node");
      for (var k = 0; k < nodes.length; k++) {
        var title = nodes[k].querySelector("title");
        if (title && title.textContent === name) { return nodes[k]; }
      }
      return null;
    }

    function container() {
      /* The box the player is seen in: the nearest ancestor that scrolls (JupyterLab's notebook
         panel, a scrolled output area), else the window. */
      for (var el = root.parentElement; el && el !== document.body && el !== document.documentElement;
           el = el.parentElement) {
        var s = window.getComputedStyle(el);
        if ((s.overflowY === "auto" || s.overflowY === "scroll") && el.clientHeight > 0) { return el; }
      }
      return null;
    }

    function room() {
      /* The height the picture may take: the container's, less the controls and the caption. */
      var c = container();
      var height = c ? c.clientHeight : window.innerHeight;
      var used = root.getBoundingClientRect().height - view.getBoundingClientRect().height;
      return Math.max(120, height - used - 16);
    }

    var fitted = null;  /* the pictures' height limit, fitted: one for every frame, so nodes never move */

    function size() {
      /* Measured once (and again when the window changes size), never per frame. */
      var px = room() + "px";
      view.style.maxHeight = px;
      fitted = root.classList.contains("crp-fitted") ? px : "none";
      var svg = frame.querySelector("svg");
      if (svg) { svg.style.maxHeight = fitted; }
    }

    function reveal(page) {
      /* Scroll the picture so the node this step is about is in view; with `page` (a reader's step),
         also the notebook panel (or window), just enough to show the whole player. */
      var node = focusNode();
      if (!node || view.clientWidth === 0) { return; }
      var v = view.getBoundingClientRect();
      var r = node.getBoundingClientRect();
      if (r.left < v.left || r.right > v.right) {
        view.scrollLeft += (r.left + r.right) / 2 - (v.left + v.right) / 2;
      }
      if (r.top < v.top || r.bottom > v.bottom) {
        view.scrollTop += (r.top + r.bottom) / 2 - (v.top + v.bottom) / 2;
      }
      if (page) { root.scrollIntoView({block: "nearest", inline: "nearest"}); }
    }

    function show(k, page) {
      k = Math.max(0, Math.min(n - 1, k));
      frame.innerHTML = build(k);
      var svg = frame.querySelector("svg");
      if (svg && fitted !== null) { svg.style.maxHeight = fitted; }  /* the same size in every frame */
      frame.setAttribute("data-focus", frames[k].focus);
      current = k;
      slider.value = String(k + 1);
      status.textContent = "step " + (k + 1) + "/" + n + " (" + frames[k].phase + ")";
      caption.textContent = frames[k].caption;
      reveal(page);
    }

    function stop() {
      if (timer !== null) { clearInterval(timer); timer = null; }
      play.textContent = "\u25B6 play";
      play.setAttribute("aria-pressed", "false");
    }

    function start() {
      if (current === n - 1) { show(0); }
      if (timer !== null) { clearInterval(timer); }
      timer = setInterval(function () {
        if (current >= n - 1) { stop(); } else { show(current + 1, false); }
      }, Number(speed.value));
      play.textContent = "\u25A0 pause";
      play.setAttribute("aria-pressed", "true");
    }

    function toggle() { if (timer === null) { start(); } else { stop(); } }

    function setFit(on) {
      root.classList.toggle("crp-fitted", on);
      fit.textContent = on ? "actual size" : "fit width";
      fit.setAttribute("aria-pressed", on ? "true" : "false");
      size();
      reveal(false);
    }

    root.querySelector(".crp-prev").addEventListener("click", function () { stop(); show(current - 1, true); });
    root.querySelector(".crp-next").addEventListener("click", function () { stop(); show(current + 1, true); });
    play.addEventListener("click", toggle);
    speed.addEventListener("change", function () { if (timer !== null) { start(); } });
    fit.addEventListener("click", function () { setFit(!root.classList.contains("crp-fitted")); });
    slider.addEventListener("input", function () { stop(); show(Number(slider.value) - 1, true); });
    root.addEventListener("keydown", function (e) {
      var tag = e.target.tagName;
      if (tag === "SELECT") { return; }
      if (tag === "INPUT" && (e.key === "ArrowLeft" || e.key === "ArrowRight" || e.key === "Home" || e.key === "End")) {
        return; /* the slider moves itself and reports it through "input" */
      }
      if (e.key === "ArrowLeft" || e.key === "ArrowDown") { stop(); show(current - 1, true); }
      else if (e.key === "ArrowRight" || e.key === "ArrowUp") { stop(); show(current + 1, true); }
      else if (e.key === "Home") { stop(); show(0, true); }
      else if (e.key === "End") { stop(); show(n - 1, true); }
      else if (e.key === " " && tag !== "BUTTON") { toggle(); }
      else { return; }
      e.preventDefault();
    });

    var nojs = root.querySelector(".crp-nojs");
    if (nojs) { nojs.parentNode.removeChild(nojs); }
    root.querySelector(".crp-bar").hidden = false;
    /* Fit the picture to the column and to the height of the box it is seen in (JupyterLab's
       notebook panel, not the window) unless that makes its text too small to read; then show
       it at actual size, scrolled to each step's node. */
    var svg = frame.querySelector("svg");
    var box = svg ? svg.getBoundingClientRect() : null;
    var scale = box && box.width > 0 && view.clientWidth > 0
      ? Math.min(view.clientWidth / box.width, room() / box.height) : 1;
    setFit(scale >= Number(root.getAttribute("data-min-scale")));
    show(0, false);
    window.addEventListener("resize", function () { size(); reveal(false); });
  }

  var players = document.querySelectorAll(".chainrule-player:not([data-ready])");
  for (var k = 0; k < players.length; k++) { setup(players[k]); }
})();
