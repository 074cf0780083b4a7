/* Small behaviours of every page, bound here rather than in inline handlers so that the
 * Content-Security-Policy can forbid inline script (docs/access.md):
 *
 * - `select[data-autosubmit]` submits its form when changed (the language menu);
 * - `input[type=file][data-file-names]` writes the chosen file names (joined with "、", or
 *   its `data-empty` text) into the `.file-name` inside its closest `data-file-names`
 *   ancestor (a CSS selector: ".file-pick", "form");
 * - `form[data-confirm]` asks before submitting.
 */
(function () {
  "use strict";

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches("select[data-autosubmit]") && target.form) {
      target.form.submit();
      return;
    }
    if (target.matches("input[type=file][data-file-names]")) {
      var scope = target.closest(target.getAttribute("data-file-names"));
      var label = scope && scope.querySelector(".file-name");
      if (!label) { return; }
      var names = Array.prototype.map.call(target.files || [], function (f) { return f.name; });
      label.textContent = names.length ? names.join("、") : (target.getAttribute("data-empty") || "");
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches("form[data-confirm]") && !window.confirm(form.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });
})();
