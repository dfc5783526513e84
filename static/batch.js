// Progressive enhancement of the batch page (the page works without it: a <noscript> meta refresh
// reloads it while jobs run). While the article says data-active="true", this fetches the page
// every data-poll-ms milliseconds and swaps in the fresh article: progress, counts and rows update
// in place, with the server's own rendering. It pauses while the tab is hidden and backs off on
// network errors.
"use strict";
(function () {
  var MAX_BACKOFF_MS = 10000;

  function start() {
    var article = document.getElementById("batch");
    if (!article || article.getAttribute("data-active") !== "true") return;
    var noscripts = document.querySelectorAll("head noscript");
    for (var i = 0; i < noscripts.length; i++) noscripts[i].remove();
    var every = parseInt(article.getAttribute("data-poll-ms"), 10) || 1000;
    var wait = every;
    var timer = null;

    function schedule(ms) {
      clearTimeout(timer);
      timer = setTimeout(tick, ms);
    }

    function tick() {
      if (document.hidden) return; // visibilitychange starts it again
      fetch(window.location.href, { headers: { Accept: "text/html" }, cache: "no-store", credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.text();
        })
        .then(function (html) {
          var doc = new DOMParser().parseFromString(html, "text/html");
          var fresh = doc.getElementById("batch");
          if (!fresh) throw new Error("no batch in the page");
          article.replaceWith(fresh);
          article = fresh;
          document.title = doc.title;
          wait = every;
          if (fresh.getAttribute("data-active") === "true") schedule(wait);
        })
        .catch(function () {
          wait = Math.min(wait * 2, MAX_BACKOFF_MS);
          schedule(wait);
        });
    }

    document.addEventListener("visibilitychange", function () {
      if (!document.hidden && article.getAttribute("data-active") === "true") schedule(0);
    });
    schedule(every);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
