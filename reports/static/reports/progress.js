// Progress indicators for newsletter builds and sends: poll the small JSON status endpoints.
// Progressive enhancement: without JavaScript the page shows the status as of its load.
(function () {
  "use strict";
  var INTERVAL = 1500;

  function poll(url, update) {
    function tick() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (data && !update(data)) { window.setTimeout(tick, INTERVAL); }
        })
        .catch(function () { window.setTimeout(tick, INTERVAL * 4); });
    }
    tick();
  }

  var build = document.querySelector("[data-newsletter-status]");
  if (build) {
    var label = build.querySelector("[data-status-label]");
    var bar = build.querySelector("[data-status-progress]");
    var link = build.querySelector("[data-status-download]");
    poll(build.getAttribute("data-newsletter-status"), function (data) {
      label.textContent = data.label;
      if (data.done) {
        bar.max = 1;
        bar.value = data.status === "ready" ? 1 : 0;
        if (data.download) { link.hidden = false; }
      }
      return data.done;
    });
  }

  var send = document.querySelector("[data-send-status]");
  if (send) {
    var progress = send.querySelector("[data-send-progress]");
    poll(send.getAttribute("data-send-status"), function (data) {
      progress.max = Math.max(data.total, 1);
      progress.value = data.sent + data.failed;
      send.querySelector("[data-send-sent]").textContent = data.sent;
      send.querySelector("[data-send-failed]").textContent = data.failed;
      send.querySelector("[data-send-remaining]").textContent = data.remaining;
      return data.done;
    });
  }
})();
