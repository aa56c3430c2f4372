/* Officer referral form: keeps a draft for this tab, restores it, and explains the hand-off.
   Progressive enhancement: the form works without this file.

   Where the draft lives (SECURITY.md 21 and 29): sessionStorage only, so it belongs to this tab's
   session. It survives a reload, a lost signal and an expired server session (the officer signs in
   again in the same tab), and it goes when the tab closes or the officer signs out (session.js).
   Nothing personal is ever written to localStorage; drafts an older version left there are removed.

   The idempotency key lives with the draft, not with the page load: a restored draft brings its
   key back, and after a send the form keeps the sent key until the officer changes something, so
   Back and Send (Chromium refills the fields), a double tap and a retry all make one referral. */
(function () {
  "use strict";

  function store() {
    try { return window.sessionStorage; } catch (e) { return null; }
  }

  function dropLegacyDrafts() {
    try {
      Object.keys(window.localStorage).forEach(function (k) {
        if (k.indexOf("referral-") === 0) { window.localStorage.removeItem(k); }
      });
    } catch (e) { /* storage off */ }
  }
  dropLegacyDrafts();

  // The confirmation page clears the draft it was made from and remembers the key it was sent with.
  var done = document.getElementById("referral-done");
  if (done) {
    var s = store();
    if (s) {
      s.removeItem(done.dataset.clearDraft);
      s.setItem(done.dataset.sentMarker, done.dataset.sentKey);
    }
    return;
  }

  var form = document.getElementById("referral-form");
  if (!form) { return; }
  var key = form.dataset.draftKey;
  var sentMarker = form.dataset.sentMarker;
  var keyInput = form.elements.idempotency_key;
  var pageKey = keyInput.value;  // a fresh key, used once the officer starts a new referral
  var status = document.getElementById("draft-status");

  function say(text) {
    status.textContent = text;
    status.classList.remove("d-none");
  }

  function fields() {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.name !== "csrfmiddlewaretoken" && el.type !== "submit" && el.type !== "button";
    });
  }

  function save() {
    var s = store();
    if (!s) { return; }
    var draft = {};
    fields().forEach(function (el) {
      if (el.type === "checkbox" || el.type === "radio") {
        draft[el.name + "::" + el.value] = el.checked;
      } else {
        draft[el.name] = el.value;
      }
    });
    draft.__savedAt = new Date().toISOString();
    try { s.setItem(key, JSON.stringify(draft)); } catch (e) { /* storage full or off */ }
  }

  function restore() {
    var s = store();
    var raw = s && s.getItem(key);
    if (!raw) { return false; }
    var draft;
    try { draft = JSON.parse(raw); } catch (e) { return false; }
    fields().forEach(function (el) {
      if (el.type === "checkbox" || el.type === "radio") {
        var k = el.name + "::" + el.value;
        if (k in draft) { el.checked = !!draft[k]; }
      } else if (el.name in draft) {
        // The idempotency key and the opening time come back too: a resubmitted
        // draft is the same referral, timed from when it was first opened.
        el.value = draft[el.name];
      }
    });
    return true;
  }
  function showHandoffSteps() {
    var chosen = form.querySelector("input[name=handoff]:checked");
    document.querySelectorAll("[data-handoff-steps]").forEach(function (box) {
      box.hidden = !chosen || box.dataset.handoffSteps !== chosen.value;
    });
    // A warm hand-off offers only providers that take them and have room (the server checks it too).
    var warm = chosen && chosen.value === "warm_handoff";
    var select = form.querySelector("select[name=service]");
    if (!select) { return; }
    Array.prototype.forEach.call(select.options, function (option) {
      if (!option.value) { return; }
      var unavailable = warm && (option.dataset.warm !== "1" || option.dataset.full === "1");
      option.disabled = unavailable;
      option.hidden = unavailable;
      if (unavailable && option.selected) { select.value = ""; }
    });
  }

  function showNameFields() {
    var noName = form.querySelector("input[name=no_name]");
    var unnamed = noName && noName.checked;
    form.querySelectorAll("[data-named]").forEach(function (el) { el.hidden = unnamed; });
    form.querySelectorAll("[data-unnamed]").forEach(function (el) { el.hidden = !unnamed; });
  }

  // A server-rendered page with errors holds what was typed; otherwise bring the draft back.
  var hasErrors = !!form.querySelector(".is-invalid") || !!document.getElementById("error-summary");
  var restored = false;
  var sentKey = store() && store().getItem(sentMarker);
  var afterSend = false;
  if (hasErrors) {
    save();
  } else if (restore()) {
    restored = true;
    say("Your unsent draft was restored.");
  } else if (sentKey) {
    // Back after a send: whatever the browser refills is the referral already sent.
    keyInput.value = sentKey;
    afterSend = true;
  }
  showHandoffSteps();
  showNameFields();

  function edited() {
    if (afterSend) {  // a new referral starts: it gets its own key
      afterSend = false;
      keyInput.value = pageKey;
      store().removeItem(sentMarker);
    }
    save();
  }

  form.addEventListener("input", edited);
  form.addEventListener("change", function (event) {
    edited();
    if (event.target.name === "handoff") { showHandoffSteps(); }
    if (event.target.name === "no_name") { showNameFields(); }
  });

  // After a rejected submit, focus goes to the error summary: static/js/forms.js does it on every page.

  var submitting = false;
  form.addEventListener("submit", function (event) {
    save();
    if (!navigator.onLine) {
      event.preventDefault();
      say("No signal: nothing was sent yet. Your referral is saved in this tab; send it when you are back online.");
      return;
    }
    if (submitting) { event.preventDefault(); return; }  // a double tap sends once
    submitting = true;
    document.getElementById("submit-referral").disabled = true;
  });
  // Signed in again after the session ended mid-form: send the draft as promised.
  if (restored && new URLSearchParams(window.location.search).get("send") === "1") {
    window.history.replaceState(null, "", window.location.pathname);
    say("You are signed in again: sending your referral now.");
    if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
  }
  window.addEventListener("pageshow", function () {
    submitting = false;
    var button = document.getElementById("submit-referral");
    if (button) { button.disabled = false; }
  });

  var locate = document.getElementById("use-location");
  if (locate && navigator.geolocation) {
    locate.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (pos) {
        form.elements.location.value = pos.coords.latitude.toFixed(5) + ", " + pos.coords.longitude.toFixed(5);
        save();
      }, function () { say("Location is not available; type the address instead."); }, { timeout: 8000 });
    });
  } else if (locate) {
    locate.hidden = true;
  }
})();
