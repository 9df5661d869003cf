// Pickers: choose a party, parcels or assets by typing (suggestions come from the server via htmx).
(function () {
  function chip(name, id, label) {
    var span = document.createElement("span");
    span.className = "badge text-bg-light border me-1 picker-chip";
    span.textContent = label;
    var input = document.createElement("input");
    input.type = "hidden"; input.name = name; input.value = id;
    var close = document.createElement("button");
    close.type = "button"; close.className = "btn-close btn-close-sm"; close.setAttribute("data-unpick", "");
    close.setAttribute("aria-label", "移除");
    span.appendChild(input); span.appendChild(document.createTextNode(" ")); span.appendChild(close);
    return span;
  }
  document.addEventListener("click", function (event) {
    var choice = event.target.closest("[data-pick-id]");
    if (choice) {
      var picker = choice.closest(".picker");
      var chosen = picker.querySelector(".picker-chosen");
      var name = picker.dataset.name, id = choice.dataset.pickId;
      if (picker.dataset.multiple !== "1") { chosen.innerHTML = ""; }
      if (!chosen.querySelector('input[value="' + id + '"]')) {
        chosen.appendChild(chip(name, id, choice.dataset.pickLabel));
      }
      picker.querySelector(".picker-results").innerHTML = "";
      var input = picker.querySelector(".picker-input");
      input.value = "";
      if (picker.dataset.multiple === "1") { input.focus(); }
      return;
    }
    var remove = event.target.closest("[data-unpick]");
    if (remove) { remove.closest(".picker-chip").remove(); return; }
    document.querySelectorAll(".picker-results").forEach(function (box) {
      if (!box.closest(".picker").contains(event.target)) { box.innerHTML = ""; }
    });
  });
  // Enter in a picker's search box picks the first suggestion instead of submitting the form.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.classList.contains("picker-input")) {
      event.preventDefault();
      var first = event.target.closest(".picker").querySelector("[data-pick-id]");
      if (first) { first.click(); }
    }
  });
})();
