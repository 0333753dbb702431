// voxpop voting, enhanced. Without this file the card is a plain form: POST, then redirect.
// With it, the vote goes by fetch, the next statement replaces the card in place, focus stays
// on the button that was pressed, and a polite live region says "Vote recorded".
(function () {
  "use strict";
  var form = document.querySelector("form[data-vote-form]");
  if (!form || !window.fetch || !window.FormData) return;

  var status = document.getElementById("vote-status");
  var text = document.getElementById("statement-text");
  var idField = form.querySelector("input[name=statement_id]");
  var progress = document.querySelector("[data-progress]");
  var busy = false;
  // the page's own words, in the reader's language (data-msg-* on the form)
  function msg(name, fallback) { return form.getAttribute("data-msg-" + name) || fallback; }

  function announce(message, kind) {
    // Clear first so that the same words twice in a row are still announced.
    status.className = "notice " + (kind || "ok");
    status.textContent = "";
    window.setTimeout(function () { status.textContent = message; }, 50);
  }

  function updateProgress(p) {
    if (!progress || !p) return;
    var voted = progress.querySelector("[data-voted]");
    var total = progress.querySelector("[data-total]");
    var bar = progress.querySelector("progress");
    if (voted) voted.textContent = p.voted;
    if (total) total.textContent = p.total;
    if (bar) { bar.max = Math.max(p.total, 1); bar.value = p.voted; }
  }

  function showDone(data) {
    var done = document.createElement("div");
    done.className = "card done";
    done.id = "vote-done";
    done.tabIndex = -1;
    var p = document.createElement("p");
    p.className = "statement-text";
    p.textContent = data.done_message || msg("done", "You have voted on every statement for now. Thank you!");
    done.appendChild(p);
    if (data.results_url) {
      var a = document.createElement("a");
      a.href = data.results_url;
      a.className = "button";
      a.textContent = msg("results", "See the results");
      done.appendChild(a);
    }
    form.replaceWith(done);
    done.focus();
  }

  form.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (!button || button.name !== "vote") return; // let anything else submit normally
    event.preventDefault();
    if (busy) return;
    busy = true;
    form.classList.add("sending");
    form.setAttribute("aria-busy", "true");
    var body = new FormData(form);
    body.append("vote", button.value);
    fetch(form.action, {
      method: "POST",
      body: body,
      headers: { "Accept": "application/json" },
      credentials: "same-origin"
    }).then(function (response) {
      return response.json().then(function (data) {
        return { ok: response.ok, status: response.status, data: data };
      });
    }).then(function (result) {
      var data = result.data || {};
      if (!result.ok) {
        var framed = window.top !== window.self;
        if (framed && result.status === 403) {
          // a third-party iframe whose cookies the browser blocks: voting works in a window of its own
          announce(msg("framed", "Your browser blocks voting inside this embedded page. " +
                   "Please use the link 'Open this conversation in a new window'."), "error");
          return;
        }
        announce(data.detail || data.message || msg("failed", "Sorry, the vote was not recorded. Please try again."), "error");
        return;
      }
      updateProgress(data.progress);
      var undo = document.getElementById("undo-form");
      if (undo) undo.hidden = false;
      if (!data.next) {
        announce(data.message + " " + (data.done_message || msg("done", "You have voted on every statement.")));
        showDone(data);
        return;
      }
      idField.value = data.next.id;
      text.textContent = data.next.text;
      var original = document.getElementById("statement-original");
      if (original) {  // a translated statement keeps its original one tap away
        original.hidden = !data.next.original;
        original.open = false;
        original.querySelector("[data-original]").textContent = data.next.original || "";
      }
      announce(data.message + " " + msg("next", "Next statement:") + " " + data.next.text);
      if (document.activeElement !== button) button.focus();
    }).catch(function () {
      // Network trouble: fall back to the plain form post so nothing is lost.
      form.removeAttribute("data-vote-form");
      var hidden = document.createElement("input");
      hidden.type = "hidden"; hidden.name = "vote"; hidden.value = button.value;
      form.appendChild(hidden);
      form.submit();
    }).finally(function () {
      busy = false;
      form.classList.remove("sending");
      form.removeAttribute("aria-busy");
    });
  });
})();
