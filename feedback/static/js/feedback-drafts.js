// Keeps what someone typed into a feedback form (data-draft) in this tab until the server
// confirms it was saved (data-draft-clear), so an expired session or a lost signal loses
// nothing (SECURITY.md 21). sessionStorage, not localStorage: squad-car laptops are shared,
// and an anonymous suggestion must not wait on the device for the next person to read.
(function () {
  "use strict";
  var store;
  try {
    store = window.sessionStorage;
    store.setItem("draft:probe", "1");
    store.removeItem("draft:probe");
  } catch (e) {
    return; // storage switched off: the form still works, it just keeps no draft
  }

  document.querySelectorAll("[data-draft-clear]").forEach(function (marker) {
    var prefix = "draft:" + marker.getAttribute("data-draft-clear");
    for (var i = store.length - 1; i >= 0; i -= 1) {
      var key = store.key(i);
      if (key && key.indexOf(prefix) === 0) {
        store.removeItem(key);
      }
    }
  });

  document.querySelectorAll("[data-draft]").forEach(function (field) {
    var key = "draft:" + field.getAttribute("data-draft");
    var saved = store.getItem(key);
    if (saved && !field.value) {
      field.value = saved;
    }
    field.addEventListener("input", function () {
      if (field.value) {
        store.setItem(key, field.value);
      } else {
        store.removeItem(key);
      }
    });
  });
})();
