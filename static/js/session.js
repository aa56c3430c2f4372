/* Every signed-in page: signing out clears what this tab kept for the user (SECURITY.md 29 and 30).
   The referral draft (referral-form.js, keys "referral-...") and the feedback forms' drafts
   (feedback-drafts.js, keys "draft:...": a suggestion, perhaps an anonymous one, and open survey
   answers) live in sessionStorage; on a shared squad-car laptop the next user of the browser must find
   none of it. An ended (expired) session keeps the drafts on purpose: the user signs in again in the
   same tab and sends them. */
(function () {
  "use strict";
  var PREFIXES = ["referral-", "draft:"];
  function clearDrafts() {
    [window.sessionStorage, window.localStorage].forEach(function (s) {
      try {
        Object.keys(s).forEach(function (k) {
          if (PREFIXES.some(function (p) { return k.indexOf(p) === 0; })) { s.removeItem(k); }
        });
      } catch (e) { /* storage off */ }
    });
  }
  document.querySelectorAll("form[data-sign-out]").forEach(function (form) {
    form.addEventListener("submit", clearDrafts);
  });
})();
