// A listening job's progress without reloading (organiser/listen_job_status.html): polls the job's JSON
// twin, updates the progress bar quietly and the status text (a polite live region) only when the words
// change, so a screen reader hears each stage once, not every percent. Without JavaScript the page's
// refresh link does the same. All words come from the page (data-labels), in the reader's language.
// The upload form (organiser/listen.html): files over the upload limit are refused here, before minutes of
// uploading end in a 413, with the same advice the server gives; the field says what is wrong (role=alert).
(function () {
  "use strict";
  var form = document.getElementById("listen-upload");
  if (!form) return;
  var input = form.querySelector("input[type=file]");
  var error = document.getElementById("listen-files-error");
  function check() {
    var total = 0, files = input.files || [];
    for (var i = 0; i < files.length; i++) total += files[i].size;
    var message = "";
    if (files.length > Number(form.dataset.maxFiles)) {
      message = form.dataset.tooMany.replace("{n}", files.length);
    } else if (total > Number(form.dataset.maxBytes)) {
      message = form.dataset.tooBig.replace("{mb}", (total / 1048576).toFixed(1));
    }
    error.textContent = message;  // an alert that stays in the page, empty until there is something to say
    if (message) {
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", error.id);
    } else {
      input.removeAttribute("aria-invalid");
      input.removeAttribute("aria-describedby");
    }
    return !message;
  }
  input.addEventListener("change", check);
  form.addEventListener("submit", function (event) {
    if (!check()) {
      event.preventDefault();
      input.focus();
    }
  });
})();

(function () {
  "use strict";
  var box = document.getElementById("listen-job");
  if (!box || !window.fetch) return;
  var labels = JSON.parse(box.dataset.labels || "{}");
  var status = box.dataset.status;
  if (status === "done" || status === "failed") return;
  var q = function (sel) { return box.querySelector(sel); };
  var refresh = q(".job-refresh");
  if (refresh) refresh.hidden = true;
  var delay = 1000;

  function words(job) {
    var text = labels.status[job.status] || job.message || "";
    var stage = labels.stage[job.stage || ""] || labels.stage[""];
    text = text.replace("{stage}", stage);
    if ((job.status === "failed" || job.status === "retrying") && job.error) {
      text += " " + labels.error + " " + job.error;  // heard with the status, not only seen below it
    }
    return text;
  }

  function show(job) {
    var pct = Math.round(100 * (job.status === "done" ? 1 : (job.progress || 0)));
    var bar = q("progress");
    if (bar) bar.value = pct;
    var pctText = q(".job-percent");
    if (pctText) pctText.textContent = labels.percent.replace("{percent}", pct);
    var text = q(".job-text");
    var w = words(job);
    if (text && text.textContent !== w) text.textContent = w;
    var err = q(".job-error");
    if (err) {
      err.hidden = !job.error || job.status === "done";
      q(".job-error-text").textContent = job.error || "";
      q(".job-again").hidden = job.status !== "failed" || job.can_retry;
    }
    var retry = q(".job-retry");
    if (retry) retry.hidden = !(job.status === "failed" && job.can_retry);
    var finished = job.status === "done" || job.status === "failed";
    q(".progress").hidden = finished;
    if (job.status === "done") {
      var see = q(".job-see");
      var link = see.querySelector("a");
      link.href = box.dataset.themesUrl.replace(/themes=\d+/, "themes=" + (job.themes || 0));
      see.hidden = false;
    }
    return finished;
  }

  function poll() {
    fetch(box.dataset.json, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (job) {
        delay = 1000;
        if (!show(job)) setTimeout(poll, delay);
      })
      .catch(function () {  // the server is busy or away for a moment: back off, and keep the link
        delay = Math.min(delay * 2, 15000);
        if (refresh) refresh.hidden = false;
        setTimeout(poll, delay);
      });
  }
  setTimeout(poll, 500);
})();
