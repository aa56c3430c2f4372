/* Every signed-in page: signing out clears what this tab kept for the officer (SECURITY.md 29).
   The referral draft lives in sessionStorage (referral-form.js); on a shared squad-car laptop the
   next user of the browser must find none of it. An ended (expired) session keeps the draft on
   purpose: the officer signs in again in the same tab and it is sent. */
(function () {
  "use strict";
  function clearDrafts() {
    [window.sessionStorage, window.localStorage].forEach(function (s) {
      try {
        Object.keys(s).forEach(function (k) { if (k.indexOf("referral-") === 0) { s.removeItem(k); } });
      } catch (e) { /* storage off */ }
    });
  }
  document.querySelectorAll("form[data-sign-out]").forEach(function (form) {
    form.addEventListener("submit", clearDrafts);
  });
})();
