/* Progress bars from ipywidgets (tqdm's bar in nn.fit) drawn from the widget state the page
 * carries: an HBox of text, a progress bar and text, as the kernel left it when the cell ended.
 * No widget library and no network: the site stays offline. Other widgets show nothing. */
(function () {
  "use strict";
  function render() {
    var stateTag = document.querySelector('script[type="application/vnd.jupyter.widget-state+json"]');
    if (!stateTag) return;
    var models = JSON.parse(stateTag.textContent).state || {};
    var plain = function (html) {
      return new DOMParser().parseFromString(String(html || ""), "text/html").body.textContent;
    };
    var model = function (id) {
      return models[String(id).replace(/^IPY_MODEL_/, "")];
    };
    function build(m) {
      if (!m) return null;
      var s = m.state || {};
      var el;
      switch (m.model_name) {
        case "HBoxModel":
        case "VBoxModel":
          el = document.createElement("div");
          el.className = "chainrule-widget-box " + (m.model_name === "HBoxModel" ? "horizontal" : "vertical");
          (s.children || []).forEach(function (child) {
            var c = build(model(child));
            if (c) el.appendChild(c);
          });
          return el;
        case "HTMLModel":
        case "LabelModel":
          el = document.createElement("span");
          el.className = "chainrule-widget-text";
          el.textContent = m.model_name === "HTMLModel" ? plain(s.value) : String(s.value || "");
          return el;
        case "FloatProgressModel":
        case "IntProgressModel":
          el = document.createElement("progress");
          el.className = "chainrule-widget-progress " + (s.bar_style || "");
          el.max = Number(s.max) - Number(s.min || 0);
          el.value = Number(s.value) - Number(s.min || 0);
          return el;
        default:
          return null;
      }
    }
    document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]').forEach(function (tag) {
      var el = build(models[JSON.parse(tag.textContent).model_id]);
      if (el) {
        el.classList.add("chainrule-widget");
        tag.replaceWith(el);
      }
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", render);
  else render();
})();
