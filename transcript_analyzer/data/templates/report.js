/* Filters for the transcript and dismissable jargon tips. Without JavaScript every turn shows. */
(function () {
  "use strict";
  var form = document.getElementById("filters");
  var apply = function () {};
  if (form) {
    var turns = Array.prototype.slice.call(document.querySelectorAll(".turn"));
    var status = document.getElementById("filter-status");
    apply = function () {
      var labels = {};
      Array.prototype.forEach.call(form.querySelectorAll("input[name=label]"), function (box) {
        labels[box.value] = box.checked;
      });
      var code = form.elements.code.value;
      var shown = 0;
      turns.forEach(function (turn) {
        var codes = (turn.getAttribute("data-codes") || "").split(" ");
        var visible = labels[turn.getAttribute("data-label")] !== false &&
          (!code || codes.indexOf(code) !== -1);
        turn.hidden = !visible;
        if (visible) { shown += 1; }
      });
      status.textContent = "Showing " + shown + " of " + turns.length + " turns.";
    };
    form.hidden = false;
    form.addEventListener("change", apply);
    form.addEventListener("reset", function () { window.setTimeout(apply, 0); });
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    apply();
  }
  /* Escape hides a jargon tip that is open by hover or focus (WCAG 1.4.13). */
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && document.activeElement &&
        document.activeElement.classList.contains("jargon")) {
      document.activeElement.classList.add("tip-dismissed");
    }
  });
  document.addEventListener("focusout", function (event) {
    if (event.target.classList && event.target.classList.contains("jargon")) {
      event.target.classList.remove("tip-dismissed");
    }
  });
  /* A link to a turn that a filter hides shows everything again first. */
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[href^='#turn-']") : null;
    if (!link || !form) { return; }
    var target = document.getElementById(link.getAttribute("href").slice(1));
    if (target && target.hidden) { form.reset(); apply(); }
  });
})();
