// Every page: after a rejected submit, focus goes to the error summary, so a screen reader reads it first
// and a keyboard user starts there (templates/_error_summary.html; the referral form's own summaries too).
(function () {
  "use strict";
  var summary = document.querySelector("#error-summary, [data-error-summary]");
  if (!summary) { return; }
  if (!summary.hasAttribute("tabindex")) { summary.setAttribute("tabindex", "-1"); }
  summary.focus();
})();
