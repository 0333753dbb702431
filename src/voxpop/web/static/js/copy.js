// "Copy" buttons for the share link and the embed snippet (added only when JavaScript runs; the
// read-only fields can always be selected and copied by hand).
(function () {
  "use strict";
  if (!navigator.clipboard) return;
  document.querySelectorAll("[data-copy-for]").forEach(function (slot) {
    var field = document.getElementById(slot.dataset.copyFor);
    if (!field) return;
    var label = document.querySelector("label[for='" + field.id + "']");
    var words = JSON.parse(slot.dataset.copyWords || "{}");  // the page's words, in the reader's language
    var say = function (key, english) { return words[key] || english; };
    var button = document.createElement("button");
    button.type = "button";
    button.className = "secondary copy-button";
    button.textContent = say("copy", "Copy");
    button.setAttribute("aria-label", say("copy_what", "Copy: {what}").replace("{what}", label ? label.textContent.trim() : field.id));
    var status = document.createElement("span");
    status.setAttribute("role", "status");
    status.className = "copy-status";
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(field.value).then(function () {
        status.textContent = say("copied", "Copied.");
      }, function () {
        field.select();
        status.textContent = say("by_hand", "Press Ctrl+C (or Cmd+C) to copy the selected text.");
      });
    });
    slot.appendChild(button);
    slot.appendChild(status);
  });
})();
