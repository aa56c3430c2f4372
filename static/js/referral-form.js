/* Officer referral form: keeps a draft in this browser, restores it, and explains the hand-off.
   Progressive enhancement: the form works without this file. */
(function () {
  "use strict";

  // The confirmation page clears the draft it was made from.
  var done = document.getElementById("referral-done");
  if (done) {
    try { window.localStorage.removeItem(done.dataset.clearDraft); } catch (e) { /* storage off */ }
    return;
  }

  var form = document.getElementById("referral-form");
  if (!form) { return; }
  var key = form.dataset.draftKey;
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
    var draft = {};
    fields().forEach(function (el) {
      if (el.type === "checkbox" || el.type === "radio") {
        draft[el.name + "::" + el.value] = el.checked;
      } else {
        draft[el.name] = el.value;
      }
    });
    draft.__savedAt = new Date().toISOString();
    try { window.localStorage.setItem(key, JSON.stringify(draft)); } catch (e) { /* storage full or off */ }
  }

  function restore() {
    var raw;
    try { raw = window.localStorage.getItem(key); } catch (e) { return false; }
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
  }

  function showNameFields() {
    var noName = form.querySelector("input[name=no_name]");
    var unnamed = noName && noName.checked;
    form.querySelectorAll("[data-named]").forEach(function (el) { el.hidden = unnamed; });
    form.querySelectorAll("[data-unnamed]").forEach(function (el) { el.hidden = !unnamed; });
  }

  // A server-rendered page with errors holds what was typed; otherwise bring the draft back.
  var hasErrors = !!form.querySelector(".is-invalid");
  if (!hasErrors && restore()) {
    say("Your unsent draft was restored.");
  }
  showHandoffSteps();
  showNameFields();

  form.addEventListener("input", save);
  form.addEventListener("change", function (event) {
    save();
    if (event.target.name === "handoff") { showHandoffSteps(); }
    if (event.target.name === "no_name") { showNameFields(); }
  });

  var submitting = false;
  form.addEventListener("submit", function (event) {
    save();
    if (!navigator.onLine) {
      event.preventDefault();
      say("No signal: your referral is saved on this device. Send it when you are back online.");
      return;
    }
    if (submitting) { event.preventDefault(); return; }  // a double tap sends once
    submitting = true;
    document.getElementById("submit-referral").disabled = true;
  });
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
