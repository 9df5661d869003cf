// Pickers: choose a party, parcels or assets by typing (suggestions come from the server via htmx); register a
// new party or parcel in a dialog without leaving the form; fill the area from the parcels chosen.
(function () {
  "use strict";

  var opener = null;   // the picker whose dialog is open

  function chip(name, id, label, area) {
    var span = document.createElement("span");
    span.className = "badge text-bg-light border me-1 picker-chip";
    span.textContent = label;
    var input = document.createElement("input");
    input.type = "hidden"; input.name = name; input.value = id;
    if (area) { input.dataset.area = area; }
    var close = document.createElement("button");
    close.type = "button"; close.className = "btn-close btn-close-sm"; close.setAttribute("data-unpick", "");
    close.setAttribute("aria-label", "移除");
    span.appendChild(input); span.appendChild(document.createTextNode(" ")); span.appendChild(close);
    return span;
  }

  function pick(picker, id, label, area) {
    var chosen = picker.querySelector(".picker-chosen");
    if (picker.dataset.multiple !== "1") { chosen.innerHTML = ""; }
    if (!chosen.querySelector('input[value="' + id + '"]')) {
      chosen.appendChild(chip(picker.dataset.name, id, label, area));
    }
    picker.querySelector(".picker-results").innerHTML = "";
    picker.querySelector(".picker-input").value = "";
    fillArea();
  }

  // --- The area from the parcels -------------------------------------------------------------
  // Filled while the area is empty or was filled here; what the user types is theirs. The hidden
  // `area_from_parcels` tells the server the area was filled, not typed. Sums are in hundredths of a 亩, as
  // integers: 12.14 + 7.49 is 19.63, never 19.630000000000003.

  function hundredths(text) {
    var match = /^(\d+)(?:\.(\d{1,2}))?$/.exec((text || "").trim());
    if (!match) { return null; }
    return parseInt(match[1], 10) * 100 + parseInt(((match[2] || "") + "00").slice(0, 2), 10);
  }

  function asMu(value) {
    var cents = String(value % 100);
    return Math.floor(value / 100) + "." + (cents.length < 2 ? "0" + cents : cents);
  }

  function areaFields() {
    var area = document.getElementById("id_area_mu"), flag = document.getElementById("id_area_from_parcels");
    return area && flag ? { area: area, flag: flag } : null;
  }

  function setFilled(fields, filled) {
    fields.flag.value = filled ? "True" : "False";
    var help = fields.area.parentNode.querySelector(".form-text");
    if (help) {
      if (!help.dataset.plain) { help.dataset.plain = help.textContent; }
      help.textContent = filled ? "已按所选地块的台账面积合计填写；改填以所填为准" : help.dataset.plain;
    }
  }

  function fillArea() {
    var fields = areaFields(), source = document.querySelector(".picker[data-fills-area]");
    if (!fields || !source) { return; }
    var filled = fields.flag.value === "True";
    if (fields.area.value.trim() !== "" && !filled) { return; }
    var total = 0, count = 0, known = true;
    source.querySelectorAll(".picker-chosen input[type=hidden]").forEach(function (input) {
      var value = hundredths(input.dataset.area);
      if (value === null) { known = false; } else { total += value; count += 1; }
    });
    if (count && known) {
      fields.area.value = asMu(total);
      setFilled(fields, true);
    } else if (filled) {
      fields.area.value = "";
      setFilled(fields, false);
    }
  }

  document.addEventListener("input", function (event) {
    var fields = areaFields();
    if (fields && event.target === fields.area) { setFilled(fields, false); }
  });

  // --- A new party or parcel in a dialog ---------------------------------------------------------

  function openDialog(picker) {
    var modal = document.getElementById("quick-add");
    if (!modal || !picker.dataset.addUrl) { return; }
    opener = picker;
    var params = new URLSearchParams();
    var village = document.getElementById("id_village");
    if (village && village.value) { params.set("village", village.value); }
    params.set("q", picker.querySelector(".picker-input").value.trim());
    picker.querySelector(".picker-results").innerHTML = "";
    modal.querySelector(".modal-title").textContent = picker.dataset.addTitle;
    var body = modal.querySelector(".modal-body");
    body.innerHTML = '<div class="text-muted">正在打开…</div>';
    htmx.ajax("GET", picker.dataset.addUrl + "?" + params.toString(), { target: body, swap: "innerHTML" });
    bootstrap.Modal.getOrCreateInstance(modal).show();
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    var body = event.detail.target, modal = body.closest && body.closest("#quick-add");
    if (!modal) { return; }
    var picked = body.querySelector("[data-picked]");
    if (picked && opener) {
      pick(opener, picked.dataset.pickedId, picked.dataset.pickedLabel, picked.dataset.pickedArea);
      var note = opener.querySelector(".picker-note");
      if (note) { note.textContent = "已登记并选入：" + picked.dataset.pickedLabel; note.hidden = false; }
      bootstrap.Modal.getOrCreateInstance(modal).hide();
      return;
    }
    var first = body.querySelector("input[type=text]");
    if (first) { first.focus(); }
  });

  document.addEventListener("hidden.bs.modal", function (event) {
    if (event.target.id === "quick-add") { event.target.querySelector(".modal-body").innerHTML = ""; opener = null; }
  });

  // --- Choosing, removing ---------------------------------------------------------------------

  document.addEventListener("click", function (event) {
    var add = event.target.closest("[data-quick-add]");
    if (add) { openDialog(add.closest(".picker")); return; }
    var choice = event.target.closest("[data-pick-id]");
    if (choice) {
      var picker = choice.closest(".picker");
      pick(picker, choice.dataset.pickId, choice.dataset.pickLabel, choice.dataset.pickArea);
      if (picker.dataset.multiple === "1") { picker.querySelector(".picker-input").focus(); }
      return;
    }
    var remove = event.target.closest("[data-unpick]");
    if (remove) {
      var note = remove.closest(".picker").querySelector(".picker-note");
      if (note) { note.hidden = true; }
      remove.closest(".picker-chip").remove();
      fillArea();
      return;
    }
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
