// Progressive enhancement only: every page works without this file.
// The site's facts come from the page, never from a copy here: the active statuses from
// <body data-active-statuses>, every URL from a data-*-url attribute.
// - Job page: follows the job's JSON and updates the page in place (the <noscript> meta refresh
//   is for browsers without JavaScript); swaps in the server-rendered article when the status
//   changes. Where the page gives data-events-url, the server pushes the JSON (server-sent events)
//   as the job changes; otherwise, or when the stream is refused or keeps failing, it polls
//   data-api-url.
// - /jobs: the same for rows still running, all of them in one request (data-api-jobs-url).
// - Task forms: fills the time zone field from the browser.
"use strict";
(function () {
  var ACTIVE = {}; // filled from <body data-active-statuses> by start()
  var FAST_MS = 500; // at most 2 requests a second per page
  var SLOW_MS = 5000; // at least one every 5 s while the job is active

  function byId(id) {
    return document.getElementById(id);
  }

  function setText(node, text) {
    if (node && node.textContent !== text) node.textContent = text;
  }

  // The same words as the server's |duration filter.
  function duration(seconds) {
    if (seconds === null || seconds === undefined) return "—";
    var s = Math.round(seconds);
    var hours = Math.floor(s / 3600);
    var minutes = Math.floor((s % 3600) / 60);
    var secs = s % 60;
    if (hours) return hours + " h " + minutes + " min";
    if (minutes) return minutes + " min " + secs + " s";
    return secs + " s";
  }

  // The ETag of each URL's last answer: sent back as If-None-Match, so a job that has not changed
  // costs the server a 304 without reading it in full ({notModified: true} here).
  var etags = {};

  function getJSON(url) {
    var headers = { Accept: "application/json" };
    if (etags[url]) headers["If-None-Match"] = etags[url];
    return fetch(url, {
      headers: headers,
      cache: "no-store",
      credentials: "same-origin",
    }).then(function (response) {
      if (response.status === 304) return { notModified: true };
      if (response.status === 404) return { gone: true };
      if (!response.ok) throw new Error("HTTP " + response.status);
      var tag = response.headers.get("ETag");
      if (tag) etags[url] = tag;
      else delete etags[url];
      return response.json();
    });
  }

  function getDocument(url) {
    return fetch(url, { headers: { Accept: "text/html" }, cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok && response.status !== 404) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (html) {
        return new DOMParser().parseFromString(html, "text/html");
      });
  }

  // A poller: calls step() (which returns a promise of "changed", "same" or "done"), then waits
  // the job's own report interval (the time between its last two changes seen, at least FAST_MS),
  // backing off up to SLOW_MS while nothing changes; on
  // network errors it retries with back-off and shows a "reconnecting" note. It pauses while the
  // tab is hidden (unless keepAliveHidden() says otherwise, e.g. a notification was asked for).
  function Poller(step, note, keepAliveHidden) {
    this.step = step;
    this.note = note;
    this.keepAliveHidden = keepAliveHidden || function () { return false; };
    this.delay = FAST_MS;
    this.failures = 0;
    this.timer = null;
    this.busy = false;
    this.stopped = false;
    this.lastStart = 0;
    this.lastChange = Date.now();
    this.interval = null;
    var self = this;
    document.addEventListener("visibilitychange", function () {
      if (self.stopped) return;
      if (document.hidden && !self.keepAliveHidden()) {
        clearTimeout(self.timer);
        self.timer = null;
      } else if (!document.hidden) {
        self.schedule(0);
      }
    });
  }

  Poller.prototype.schedule = function (ms) {
    if (this.stopped) return;
    clearTimeout(this.timer);
    var self = this;
    // Never two requests closer than FAST_MS.
    var wait = Math.max(ms, this.lastStart + FAST_MS - Date.now(), 0);
    this.timer = setTimeout(function () {
      self.tick();
    }, wait);
  };

  Poller.prototype.tick = function () {
    var self = this;
    this.timer = null;
    if (this.busy || this.stopped) return;
    if (document.hidden && !this.keepAliveHidden()) return; // resumed by visibilitychange
    this.busy = true;
    this.lastStart = Date.now();
    this.step().then(
      function (outcome) {
        self.busy = false;
        if (self.failures) {
          self.failures = 0;
          self.note.hidden = true;
        }
        if (outcome === "done") {
          self.stopped = true;
          return;
        }
        var now = Date.now();
        var endsIn = outcome && typeof outcome === "object" ? outcome.endsInMs : null;
        if (outcome === "changed" || (outcome && outcome.changed)) {
          self.interval = now - self.lastChange; // the job's own report interval, as seen here
          self.lastChange = now;
        }
        // One look per report interval while the job moves, slower while it stands still
        // (FAST_MS to SLOW_MS).
        var delay = Math.min(
          SLOW_MS,
          Math.max(FAST_MS, self.interval || FAST_MS, Math.round((now - self.lastChange) / 2))
        );
        if (document.hidden) delay = SLOW_MS;
        // When the job is expected to end within the next second, look just after that moment
        // (skipping a look before it if need be), so the result shows soon after the end.
        if (endsIn !== null && endsIn !== undefined && endsIn >= 0 && endsIn + 60 < Math.max(delay, 2 * FAST_MS)) {
          delay = Math.max(endsIn + 60, FAST_MS);
        }
        self.delay = delay;
        self.schedule(delay);
      },
      function () {
        self.busy = false;
        self.failures += 1;
        self.note.hidden = false;
        self.schedule(Math.min(SLOW_MS, FAST_MS * Math.pow(2, self.failures)));
      }
    );
  };

  function makeNote(after) {
    var note = document.createElement("p");
    note.className = "connection-note";
    note.id = "connection-note";
    note.setAttribute("role", "status");
    note.hidden = true;
    note.textContent = "Connection lost — reconnecting…";
    after.insertAdjacentElement("afterend", note);
    return note;
  }

  // ---------------------------------------------------------------- the job page

  function JobPage(article) {
    this.article = article;
    this.apiUrl = article.getAttribute("data-api-url");
    this.endedWord = null; // the title's first word once the job has ended, from the server's rendering
    this.title = article.getAttribute("data-title") || "Job";
    this.status = article.getAttribute("data-status");
    this.signature = null;
    this.logCount = null;
    this.elapsed = null; // {seconds, at} for the local clock between polls
    this.wantsNotification = false;
    this.announcer = document.createElement("p");
    this.announcer.className = "visually-hidden";
    this.announcer.id = "job-announcer";
    this.announcer.setAttribute("aria-live", "polite");
    article.insertAdjacentElement("afterend", this.announcer);
    this.note = makeNote(article);
    this.setRefreshNote();
    var self = this;
    this.poller = new Poller(
      function () {
        return self.step();
      },
      this.note,
      function () {
        return self.wantsNotification;
      }
    );
    this.offerNotification();
    this.clock = setInterval(function () {
      self.tickClock();
    }, 1000);
    var eventsUrl = article.getAttribute("data-events-url");
    if (eventsUrl && window.EventSource) this.listen(eventsUrl);
    else this.poller.schedule(FAST_MS);
  }

  // Reads the job's JSON from its event stream. A stream refused (or failing before its first
  // event, or three times in a row) gives way to polling, which the page can always do.
  JobPage.prototype.listen = function (url) {
    var self = this;
    var source = new EventSource(url);
    var heard = false;
    var failures = 0;
    var handled = Promise.resolve();
    function poll() {
      source.close();
      self.note.hidden = true;
      self.poller.schedule(0);
    }
    function handle(job) {
      handled = handled
        .then(function () {
          return self.handle(job);
        })
        .then(null, poll);
    }
    source.onmessage = function (event) {
      heard = true;
      failures = 0;
      self.note.hidden = true;
      var job = JSON.parse(event.data);
      if (!job.active) source.close(); // the last event: the server ends the stream too
      handle(job);
    };
    source.addEventListener("gone", function () {
      source.close();
      handle({ gone: true });
    });
    source.onerror = function () {
      failures += 1;
      if (!heard || failures >= 3 || source.readyState === EventSource.CLOSED) {
        poll();
        return;
      }
      self.note.hidden = false; // EventSource opens the stream again by itself
    };
  };

  JobPage.prototype.setRefreshNote = function () {
    var note = byId("job-refresh-note");
    if (note && note.firstChild && note.firstChild.nodeType === Node.TEXT_NODE) {
      note.firstChild.textContent = "This page updates by itself while the job runs. ";
    }
  };

  JobPage.prototype.offerNotification = function () {
    if (!("Notification" in window) || !ACTIVE[this.status] || Notification.permission === "denied") return;
    var self = this;
    if (Notification.permission === "granted") {
      this.wantsNotification = true;
      return;
    }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "secondary";
    button.id = "notify-button";
    button.textContent = "Notify me when it ends";
    button.addEventListener("click", function () {
      Notification.requestPermission().then(function (answer) {
        self.wantsNotification = answer === "granted";
        button.remove();
        self.announcer.textContent =
          answer === "granted" ? "You will get a notification when the job ends." : "Notifications are off.";
      });
    });
    this.notifyButton = button;
    this.announcer.insertAdjacentElement("afterend", button);
  };

  JobPage.prototype.step = function () {
    var self = this;
    return getJSON(this.apiUrl).then(function (job) {
      return self.handle(job);
    });
  };

  // Shows one answer for the job (polled or pushed): "same", "changed", "done", or what the
  // poller needs for its next look.
  JobPage.prototype.handle = function (job) {
    var self = this;
    if (job.notModified) return "same";
    if (job.gone) {
      self.ended(null);
      self.announcer.textContent = "This job no longer exists or its result has expired.";
      return "done";
    }
    var changed = self.apply(job);
    if (!job.active) {
      return self.swap().then(function () {
        self.ended(job);
        return "done";
      });
    }
    // A new status (other actions, queue details) or a first log line: the server's rendering.
    if (job.status !== self.status || (!byId("job-log") && (job.log || []).length)) {
      if (job.status !== self.status) self.announcer.textContent = "Status: " + job.status + ".";
      self.status = job.status;
      return self.swap().then(function () {
        return "changed";
      });
    }
    var endsIn = job.eta_seconds === null || job.eta_seconds === undefined ? null : job.eta_seconds * 1000;
    return { changed: changed, endsInMs: endsIn };
  };

  // Updates the parts of the page the JSON carries; true when something changed.
  JobPage.prototype.apply = function (job) {
    var progress = job.progress || {};
    var signature = [job.status, progress.done, progress.total, progress.message, (job.log || []).length].join("|");
    var changed = signature !== this.signature;
    this.signature = signature;
    var bar = byId("job-progress");
    if (bar) {
      var unknown = progress.percent === null || progress.percent === undefined;
      if (unknown && job.active) {
        bar.removeAttribute("value"); // indeterminate: moving while the job may still move
      } else {
        bar.value = unknown ? 0 : progress.percent; // an ended job's bar stands still
        bar.textContent = (unknown ? 0 : progress.percent) + "%";
      }
    }
    setText(byId("job-percent"), progress.percent === null || progress.percent === undefined ? "" : progress.percent + "%");
    setText(byId("job-message"), progress.message || "");
    var eta = "";
    if (job.eta_seconds !== null && job.eta_seconds !== undefined) {
      eta = job.eta_is_estimate
        ? "Estimate from recent runs: about " + duration(job.eta_seconds) + " left."
        : "About " + duration(job.eta_seconds) + " left.";
    }
    setText(byId("job-eta"), eta);
    if (job.elapsed_seconds !== null && job.elapsed_seconds !== undefined) {
      this.elapsed = { seconds: job.elapsed_seconds, at: Date.now(), running: job.status === "started" };
      setText(byId("job-elapsed"), duration(job.elapsed_seconds));
    }
    var lines = job.log || [];
    var logBox = byId("job-log");
    if (logBox && lines.length !== this.logCount) {
      var atBottom = logBox.scrollTop + logBox.clientHeight >= logBox.scrollHeight - 4;
      logBox.textContent = lines.length ? lines.join("\n") + "\n" : "";
      if (atBottom) logBox.scrollTop = logBox.scrollHeight;
    }
    this.logCount = lines.length;
    return changed;
  };

  JobPage.prototype.tickClock = function () {
    if (!this.elapsed || !this.elapsed.running) return;
    setText(byId("job-elapsed"), duration(this.elapsed.seconds + (Date.now() - this.elapsed.at) / 1000));
  };

  // Replaces the article's content with the server's current rendering (result, error, actions).
  JobPage.prototype.swap = function () {
    var self = this;
    // Keep keyboard focus on "the same" control (same tag and text) across the swap.
    var active = document.activeElement;
    var focused = active && active !== document.body && self.article.contains(active)
      ? { tag: active.tagName, text: active.textContent }
      : null;
    return getDocument(window.location.href).then(function (doc) {
      var fresh = doc.getElementById("job");
      if (!fresh) return;
      self.article.innerHTML = fresh.innerHTML;
      self.article.setAttribute("data-status", fresh.getAttribute("data-status"));
      self.status = fresh.getAttribute("data-status");
      self.endedWord = fresh.getAttribute("data-ended-word");
      if (doc.title && ACTIVE[self.status]) document.title = doc.title;
      self.setRefreshNote();
      self.logCount = null;
      if (focused) {
        var candidates = self.article.getElementsByTagName(focused.tag);
        for (var i = 0; i < candidates.length; i++) {
          if (candidates[i].textContent === focused.text) {
            candidates[i].focus();
            break;
          }
        }
      }
    });
  };

  JobPage.prototype.ended = function (job) {
    clearInterval(this.clock);
    if (this.notifyButton) this.notifyButton.remove();
    if (!job) return;
    var word = this.endedWord || job.status;
    document.title = word + ": " + this.title + " · Jobdeck";
    var message = job.status === "finished" ? "The job is done." : job.error || "The job ended: " + job.status + ".";
    this.announcer.textContent = word + ": " + this.title + ". " + message;
    if (this.wantsNotification && "Notification" in window && Notification.permission === "granted") {
      try {
        new Notification(word + ": " + this.title, { body: message, tag: "jobdeck-" + job.id });
      } catch (e) {
        // Some browsers only allow notifications from a service worker; the title still says it.
      }
    }
  };

  // ---------------------------------------------------------------- the history page

  function HistoryPage(rows, table) {
    this.rows = rows;
    this.apiJobsUrl = table.getAttribute("data-api-jobs-url");
    this.signatures = {};
    this.note = makeNote(table.closest(".table-wrap") || table);
    var self = this;
    this.poller = new Poller(function () {
      return self.step();
    }, this.note);
    this.poller.schedule(FAST_MS);
  }

  // One request per step for all the rows still running (GET <data-api-jobs-url>?ids=...).
  HistoryPage.prototype.step = function () {
    var self = this;
    this.rows = this.rows.filter(function (row) {
      return ACTIVE[row.getAttribute("data-status")];
    });
    if (!this.rows.length) return Promise.resolve("done");
    var byJob = {};
    var ids = this.rows.map(function (row) {
      var id = row.getAttribute("data-job-id");
      byJob[id] = row;
      return id;
    });
    var url = this.apiJobsUrl + "?ids=" + ids.map(encodeURIComponent).join(",");
    return getJSON(url).then(function (answer) {
      var changed = false;
      (answer.jobs || []).forEach(function (job) {
        var row = byJob[job.id];
        if (!row) return;
        if (job.gone) {
          row.setAttribute("data-status", "expired");
          self.setStatus(row, "expired");
          changed = true;
          return;
        }
        var progress = job.progress || {};
        var signature = [job.status, progress.done, progress.total].join("|");
        if (self.signatures[job.id] !== undefined && self.signatures[job.id] !== signature) changed = true;
        self.signatures[job.id] = signature;
        self.apply(row, job);
      });
      return changed ? "changed" : "same";
    });
  };

  HistoryPage.prototype.setStatus = function (row, status) {
    var cell = row.querySelector(".col-status");
    if (!cell) return;
    var span = cell.querySelector(".status");
    if (span && span.textContent !== status) {
      span.textContent = status;
      span.className = "status status-" + status;
    }
  };

  HistoryPage.prototype.apply = function (row, job) {
    var before = row.getAttribute("data-status");
    row.setAttribute("data-status", job.status);
    this.setStatus(row, job.status);
    var progress = job.progress || {};
    var cell = row.querySelector(".col-progress");
    if (cell && progress.percent !== null && progress.percent !== undefined) {
      var bar = cell.querySelector("progress");
      if (!bar) {
        cell.textContent = "";
        bar = document.createElement("progress");
        bar.max = 100;
        bar.setAttribute("aria-label", "Progress of " + (row.getAttribute("data-title") || "job"));
        cell.appendChild(bar);
        cell.appendChild(document.createTextNode(""));
      }
      bar.value = progress.percent;
      bar.textContent = progress.percent + "%";
      if (bar.nextSibling) bar.nextSibling.textContent = " " + progress.percent + "%";
    }
    setText(row.querySelector(".col-duration"), duration(job.elapsed_seconds));
    if (ACTIVE[before] && !job.active && !row.querySelector(".mark-new")) {
      var mark = document.createElement("span");
      mark.className = "mark-new";
      mark.textContent = "new";
      var hidden = document.createElement("span");
      hidden.className = "visually-hidden";
      hidden.textContent = ": ended while you were here";
      mark.appendChild(hidden);
      var statusCell = row.querySelector(".col-status");
      if (statusCell) {
        statusCell.appendChild(document.createTextNode(" "));
        statusCell.appendChild(mark);
      }
      row.classList.add("ended-since");
    }
  };

  // ---------------------------------------------------------------- task forms

  function fillTimezones() {
    var zone;
    try {
      zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    } catch (e) {
      return;
    }
    if (!zone) return;
    var inputs = document.querySelectorAll('form input[name="timezone"]');
    for (var i = 0; i < inputs.length; i++) {
      var input = inputs[i];
      // Only the untouched default: never overwrite what the person typed (or what a re-rendered form kept).
      if (!input.value || (input.value === input.defaultValue && input.value === "UTC" && !input.form.querySelector(".has-error"))) {
        input.value = zone;
      }
    }
  }

  // ---------------------------------------------------------------- start

  function start() {
    (document.body.getAttribute("data-active-statuses") || "").split(" ").forEach(function (status) {
      if (status) ACTIVE[status] = true;
    });
    fillTimezones();
    var noscripts = document.querySelectorAll("head noscript");
    var article = byId("job");
    if (article && article.getAttribute("data-api-url")) {
      if (ACTIVE[article.getAttribute("data-status")]) {
        for (var i = 0; i < noscripts.length; i++) noscripts[i].remove();
        window.jobdeckPage = new JobPage(article);
      }
      return;
    }
    var table = document.querySelector("table.jobs");
    if (table) {
      var rows = Array.prototype.filter.call(table.querySelectorAll("tr[data-api-url]"), function (row) {
        return ACTIVE[row.getAttribute("data-status")];
      });
      if (rows.length && table.getAttribute("data-api-jobs-url")) window.jobdeckHistory = new HistoryPage(rows, table);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
