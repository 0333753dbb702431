// Place search hook: fills the <datalist> from the place search endpoint as the participant types.
// The form still works without it (the server matches the typed name).
(function () {
  "use strict";
  var form = document.querySelector("form[data-place-search]");
  if (!form || !form.dataset.placeSearch || !window.fetch) return;
  var input = form.querySelector("input[name=place]");
  var list = document.getElementById("place-options");
  var timer = null;
  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    var q = input.value.trim();
    if (q.length < 2) return;
    timer = window.setTimeout(function () {
      var url = form.dataset.placeSearch + (form.dataset.placeSearch.indexOf("?") < 0 ? "?" : "&") +
        "q=" + encodeURIComponent(q);
      fetch(url, { headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (data) {
          var items = Array.isArray(data) ? data : (data.places || data.results || []);
          list.textContent = "";
          items.slice(0, 10).forEach(function (p) {
            var opt = document.createElement("option");
            opt.value = p.label || p.name || String(p);
            list.appendChild(opt);
          });
        }).catch(function () { /* the plain form still works */ });
    }, 200);
  });
})();
