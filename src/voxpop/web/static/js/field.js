// voxpop kiosk mode: one shared device, one fresh participant per person, works without a network.
//
// Everything a person does is written to IndexedDB first (the queue of votes, statements and the person's
// registration, each vote with its own client_key) and sent when the network allows, oldest first; an
// item leaves the queue only once the server has answered it. The server counts a client_key once, so a
// queue sent twice (two tabs, a reload in the middle of sending) stores nothing twice. Statements are
// chosen on the device with the same weighted lottery as the server (the priorities of the last
// analysis; weight 1 for a statement without one). Words shown come from the page (#k-strings).
(function () {
  "use strict";
  var root = document.querySelector("[data-kiosk]");
  if (!root || !window.indexedDB || !window.fetch) return;
  var KID = root.getAttribute("data-kiosk");
  // personal mode (a participant's own phone, /k/c/{cid}): one person, the browser's own participant
  // (its cookie), no registration, no "Next person", no idle timeout, no PIN
  var PERSONAL = root.hasAttribute("data-personal");
  var CID = root.getAttribute("data-conversation");
  var CONFIG_URL = root.getAttribute("data-config-url");
  var T = JSON.parse(document.getElementById("k-strings").textContent);
  var $ = function (id) { return document.getElementById(id); };
  var config = null, person = null, idleTimer = null, syncing = null;

  function fmt(s, args) {
    return s.replace(/%\((\w+)\)s/g, function (_, k) { return args && k in args ? String(args[k]) : ""; });
  }

  // ---------------------------------------------------------------- IndexedDB
  var dbp = new Promise(function (resolve, reject) {
    var req = indexedDB.open("voxpop-field", 1);
    req.onupgradeneeded = function () {
      var db = req.result;
      db.createObjectStore("config", { keyPath: "kiosk" });
      db.createObjectStore("person", { keyPath: "kiosk" });
      db.createObjectStore("queue", { keyPath: "seq", autoIncrement: true });
    };
    req.onsuccess = function () { resolve(req.result); };
    req.onerror = function () { reject(req.error); };
  });

  function tx(stores, mode, fn) {
    return dbp.then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(stores, mode), out;
        t.oncomplete = function () { resolve(out); };
        t.onerror = t.onabort = function () { reject(t.error); };
        out = fn(t);
      });
    });
  }
  function get(store, key) {
    return tx([store], "readonly", function (t) {
      var box = {}; t.objectStore(store).get(key).onsuccess = function (e) { box.v = e.target.result; };
      return box;
    }).then(function (box) { return box.v; });
  }
  function queued() {
    return tx(["queue"], "readonly", function (t) {
      var box = { items: [] };
      t.objectStore("queue").openCursor().onsuccess = function (e) {
        var c = e.target.result;
        if (c) { if (c.value.kiosk === KID) box.items.push(c.value); c.continue(); }
      };
      return box;
    }).then(function (box) { return box.items; });
  }

  function newId() {
    var a = new Uint8Array(16);
    crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  // ---------------------------------------------------------------- screens
  function show(id) {
    ["k-welcome", "k-questions", "k-vote", "k-done"].forEach(function (s) { $(s).hidden = s !== id; });
    var h = $(id).querySelector("h1");
    if (h) h.focus();
  }
  function say(text) {
    var m = $("k-message");
    m.textContent = "";
    window.setTimeout(function () { m.textContent = text || ""; }, 30);
  }

  function clearScreen() {
    $("k-statement").textContent = "";
    $("k-progress").textContent = "";
    $("k-q-fields").innerHTML = "";
    $("k-add-text").value = "";
    $("k-add").open = false;
    $("k-pin").value = "";
    $("k-pin-form").hidden = true;
    $("k-message").textContent = "";
  }

  // ---------------------------------------------------------------- the person at the device
  function savePerson() {
    person.last = Date.now();
    return tx(["person"], "readwrite", function (t) { t.objectStore("person").put(person); });
  }

  function nextPerson() {
    // Forget everything about the previous person on this device (their queued items still get sent).
    person = null;
    clearScreen();
    return tx(["person"], "readwrite", function (t) { t.objectStore("person").delete(KID); }).then(function () {
      show("k-welcome");
    });
  }

  function start() {
    person = { kiosk: KID, person: PERSONAL ? "me" : newId(), answers: {}, votes: {}, registered: false,
               last: Date.now() };
    Object.keys((config && config.voted) || {}).forEach(function (t) { person.votes[t] = config.voted[t]; });
    var qs = (config && config.questions) || [];
    if (qs.length) { buildQuestions(qs); show("k-questions"); return savePerson(); }
    return register().then(showNext);
  }

  function buildQuestions(qs) {
    var box = $("k-q-fields");
    box.innerHTML = "";
    qs.forEach(function (q, i) {
      var fs = document.createElement("fieldset");
      fs.className = "field";
      var lg = document.createElement("legend");
      lg.textContent = q.label;
      fs.appendChild(lg);
      q.options.concat([null]).forEach(function (opt, j) {
        var lab = document.createElement("label");
        lab.className = "check";
        var inp = document.createElement("input");
        inp.type = "radio"; inp.name = "q" + i; inp.value = opt === null ? "" : opt;
        inp.setAttribute("data-question", q.id);
        if (opt === null) inp.checked = true;
        lab.appendChild(inp);
        lab.appendChild(document.createTextNode(" " + (opt === null ? T.skip : opt)));
        fs.appendChild(lab);
      });
      box.appendChild(fs);
    });
  }

  function register() {
    // the registration goes first in the queue: votes of this person follow it
    person.registered = true;
    return tx(["queue", "person"], "readwrite", function (t) {
      if (!PERSONAL) t.objectStore("queue").add({ kiosk: KID, kind: "person", person: person.person, answers: person.answers });
      person.last = Date.now();
      t.objectStore("person").put(person);
    }).then(kick);
  }

  // The Pol.is weighted lottery over the statements this person has not voted on (in statement order).
  function pickNext() {
    var cands = config.statements.filter(function (s) { return !(String(s.id) in person.votes); });
    if (!cands.length) return null;
    var pr = config.priorities || {};
    var w = cands.map(function (s) {
      var v = Number(pr[String(s.id)]);
      return isFinite(v) && v > 0 ? v : 1;
    });
    var total = w.reduce(function (a, b) { return a + b; }, 0), r = Math.random() * total, acc = 0;
    for (var i = 0; i < cands.length; i++) { acc += w[i]; if (acc > r) return cands[i]; }
    return cands[cands.length - 1];
  }

  function showNext() {
    var st = pickNext();
    var n = Object.keys(person.votes).length;
    if (!st) { $("k-statement").textContent = ""; show("k-done"); return; }
    person.current = st.id;
    $("k-statement").textContent = st.text;
    $("k-progress").textContent = fmt(T.progress, { n: n, total: config.statements.length });
    $("k-add").hidden = !config.may_add;
    show("k-vote");
  }

  function vote(value) {
    if (!person || person.current === undefined || person.current === null) return;
    var tid = person.current;
    person.votes[String(tid)] = value;
    person.current = null;
    person.last = Date.now();
    var item = { kiosk: KID, kind: "vote", person: person.person, statement: tid, vote: value,
                 client_key: "k" + newId() };
    // the vote and the person's progress are written together: a reload never loses or repeats one
    return tx(["queue", "person"], "readwrite", function (t) {
      t.objectStore("queue").add(item);
      t.objectStore("person").put(person);
    }).then(function () { say(T.saved); showNext(); kick(); });
  }

  function addStatement(text) {
    text = (text || "").trim();
    if (!text || !person) return;
    return tx(["queue"], "readwrite", function (t) {
      t.objectStore("queue").add({ kiosk: KID, kind: "statement", person: person.person, text: text });
    }).then(function () { $("k-add-text").value = ""; $("k-add").open = false; say(T.added); kick(); });
  }

  // ---------------------------------------------------------------- sending the queue
  function post(url, body) {
    return fetch(url, { method: "POST", credentials: "same-origin", headers: {
      "Content-Type": "application/json", "Accept": "application/json" }, body: JSON.stringify(body) });
  }

  function who(body, item) {
    if (!PERSONAL) body.xid = "kiosk-" + item.person; // personal: the browser's own cookie says who
    return body;
  }

  // "done" (stored, or stored before), "drop" (can never be stored, e.g. a statement moderated out),
  // "retry" (no network, server busy: keep it and try later)
  function send(item) {
    var req;
    if (item.kind === "person") req = post("/api/v1/kiosks/" + encodeURIComponent(KID) + "/people",
                                           { person: item.person, answers: item.answers || {} });
    else if (item.kind === "vote") req = post("/api/v1/conversations/" + encodeURIComponent(CID) + "/votes",
      who({ statement: item.statement, vote: item.vote, client_key: item.client_key }, item));
    else req = post("/api/v1/conversations/" + encodeURIComponent(CID) + "/statements",
                    who({ text: item.text }, item));
    return req.then(function (r) {
      if (r.ok) return "done";
      if (item.kind === "statement" && r.status === 409) return "done"; // the same statement is already there
      if (r.status === 429 || r.status >= 500) return "retry";
      return "drop";
    }, function () { return "retry"; });
  }

  function drain() {
    return queued().then(function (items) {
      var i = 0;
      function step() {
        if (i >= items.length) return true;
        var item = items[i++];
        return send(item).then(function (res) {
          if (res === "retry") return false;
          return tx(["queue"], "readwrite", function (t) { t.objectStore("queue").delete(item.seq); }).then(step);
        });
      }
      return step();
    });
  }

  function sync() {
    // one sender at a time in this tab; across tabs a Web Lock when the browser has them
    if (syncing) return syncing;
    var run = navigator.locks ? function () { return navigator.locks.request("voxpop-field-" + KID, drain); } : drain;
    syncing = run().catch(function () { return false; }).then(function (ok) {
      syncing = null;
      return indicator().then(function () { return ok; });
    });
    return syncing;
  }
  function kick() { indicator(); if (navigator.onLine !== false) sync(); }

  function indicator() {
    return queued().then(function (items) {
      var n = items.filter(function (x) { return x.kind !== "person"; }).length;
      var el = $("k-sync");
      el.className = "kiosk-sync" + (items.length ? " waiting" : "");
      el.setAttribute("data-waiting", String(items.length));
      el.textContent = items.length ? fmt(T.waiting, { n: n }) : T.all_sent;
    });
  }

  // ---------------------------------------------------------------- configuration, offline cache
  function loadConfig() {
    return fetch(CONFIG_URL, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) {
        if (!r.ok) throw new Error("config " + r.status);
        return r.json();
      })
      .then(function (c) {
        return tx(["config"], "readwrite", function (t) { t.objectStore("config").put(c); }).then(function () {
          return c;
        });
      })
      .catch(function () { return get("config", KID); });
  }

  function cacheShell() {
    // the page and its files, for the service worker to answer with when there is no network
    if (!window.caches) return;
    var urls = [location.pathname];
    document.querySelectorAll("link[rel=stylesheet], script[src]").forEach(function (el) {
      urls.push(el.getAttribute("href") || el.getAttribute("src"));
    });
    caches.open("voxpop-kiosk-v1").then(function (cache) {
      urls.forEach(function (u) {
        fetch(u, { credentials: "same-origin" }).then(function (r) { if (r.ok) cache.put(u, r); }, function () {});
      });
    });
  }

  function registerWorker() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.register(root.getAttribute("data-sw"), { scope: "/k/" }).catch(function () {});
  }

  // ---------------------------------------------------------------- idle timeout, staff PIN
  function touch() {
    if (PERSONAL) return;
    if (idleTimer) window.clearTimeout(idleTimer);
    var secs = (config && config.idle_seconds) || 120;
    idleTimer = window.setTimeout(function () { if (person) nextPerson(); }, secs * 1000);
    if (person) { person.last = Date.now(); }
  }

  function leave(pin) {
    post("/api/v1/kiosks/" + encodeURIComponent(KID) + "/unlock", { pin: pin }).then(function (r) {
      if (r.ok) return r.json().then(function (d) {
        return nextPerson().then(function () { location.href = d.leave_to; });
      });
      $("k-pin").value = "";
      say(r.status === 429 ? T.pin_wait : T.pin_wrong);
    }, function () { say(T.pin_offline); });
  }

  // ---------------------------------------------------------------- wiring
  $("k-start").addEventListener("click", function () { start(); });
  $("k-q-form").addEventListener("submit", function (e) {
    e.preventDefault();
    $("k-q-fields").querySelectorAll("input:checked").forEach(function (inp) {
      if (inp.value) person.answers[inp.getAttribute("data-question")] = inp.value;
    });
    register().then(showNext);
  });
  document.querySelectorAll("[data-vote]").forEach(function (b) {
    b.addEventListener("click", function () { vote(b.getAttribute("data-vote")); });
  });
  $("k-add-form").addEventListener("submit", function (e) { e.preventDefault(); addStatement($("k-add-text").value); });
  if ($("k-next")) $("k-next").addEventListener("click", function () { nextPerson(); });
  if ($("k-leave")) $("k-leave").addEventListener("click", function () { $("k-pin-form").hidden = false; $("k-pin").focus(); });
  $("k-pin-form").addEventListener("submit", function (e) { e.preventDefault(); leave($("k-pin").value); });
  ["pointerdown", "keydown"].forEach(function (ev) { document.addEventListener(ev, touch, true); });
  window.addEventListener("online", kick);
  window.setInterval(function () { if (navigator.onLine !== false) sync(); }, 15000);

  window.voxpopKiosk = { sync: sync, queued: queued, nextPerson: nextPerson };

  registerWorker();
  loadConfig().then(function (c) {
    if (!c) { say(T.no_config); return; }
    config = c;
    cacheShell();
    return get("person", KID).then(function (p) {
      var fresh = p && (PERSONAL || Date.now() - p.last < (config.idle_seconds || 120) * 1000);
      if (fresh && p.registered) { person = p; showNext(); }
      else if (p) nextPerson();
      else show("k-welcome");
      touch();
      return indicator().then(function () { root.setAttribute("data-ready", "1"); kick(); });
    });
  });
})();
