// Behaviour shared by every page. No inline script anywhere: the Content-Security-Policy allows
// scripts from this site's static files only.
(function () {
  "use strict";

  // Tables marked .table-cards become cards on a phone (app.css): each cell carries its column's header as
  // data-label, and an empty cell is marked so its card leaves it out. Also for rows htmx brings in.
  function labelTableCards(root) {
    var within = root.closest && root.closest("table.table-cards");
    var tables = within ? [within] : root.querySelectorAll("table.table-cards");
    Array.prototype.forEach.call(tables, function (table) {
      var head = table.tHead && table.tHead.rows[table.tHead.rows.length - 1], headers = [];
      if (!head) return;
      Array.prototype.forEach.call(head.cells, function (th) {
        for (var i = 0; i < th.colSpan; i++) headers.push(i === 0 ? th.textContent.trim() : "");
      });
      table.querySelectorAll(":scope > tbody > tr, :scope > tfoot > tr").forEach(function (row) {
        var column = 0;
        Array.prototype.forEach.call(row.cells, function (cell) {
          if (cell.colSpan === 1 && headers[column] && !cell.hasAttribute("data-label")) {
            cell.setAttribute("data-label", headers[column]);
          }
          if (!cell.textContent.trim() && !cell.querySelector("input, select, button, img, i")) {
            cell.setAttribute("data-empty", "");
          }
          column += cell.colSpan;
        });
      });
    });
  }
  labelTableCards(document);
  document.addEventListener("htmx:load", function (event) { labelTableCards(event.target); });

  document.addEventListener("click", function (event) {
    // "全选" / "全不选" buttons: <button data-check-all="name"> ticks every checkbox of that name.
    var all = event.target.closest("[data-check-all]"), none = event.target.closest("[data-check-none]");
    var button = all || none;
    if (button) {
      var name = button.dataset.checkAll || button.dataset.checkNone;
      document.querySelectorAll('input[name="' + name + '"]').forEach(function (box) { box.checked = !!all; });
      return;
    }
    // A "返回" link goes back in history when there is a page to go back to, else follows its href.
    var back = event.target.closest("[data-history-back]");
    if (back && window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
  });

  // A form marked <form data-confirm="question"> is sent only after the user says yes. Caught before the
  // form's own handlers (htmx's too), so a "no" sends nothing by either path.
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);
})();

// --- Bulk selection on lists -------------------------------------------------------------------------
// A list whose rows carry <input type="checkbox" form="X"> and a bar <form id="X" data-bulk-bar hidden> of
// actions on the ticked rows: the bar shows while a row is ticked, with their count; a box marked
// data-bulk-page="X" ticks or unticks every row of the page (a header box on a computer, a line above the
// cards on a phone); [data-bulk-clear] unticks them all. The bar's actions that read (an export, by GET)
// leave the CSRF token out, so that it never shows in an address; those that write post it.
(function () {
  "use strict";

  function rows(bar) {
    return document.querySelectorAll('input[type="checkbox"][form="' + bar.id + '"]');
  }

  function refresh(bar) {
    var boxes = rows(bar), ticked = 0;
    boxes.forEach(function (box) { if (box.checked) ticked += 1; });
    bar.hidden = ticked === 0;
    bar.querySelectorAll("[data-bulk-count]").forEach(function (count) { count.textContent = ticked; });
    document.querySelectorAll('[data-bulk-page="' + bar.id + '"]').forEach(function (page) {
      page.checked = boxes.length > 0 && ticked === boxes.length;
      page.indeterminate = ticked > 0 && ticked < boxes.length;
    });
  }

  function barOf(id) {
    var bar = id && document.getElementById(id);
    return bar && bar.hasAttribute("data-bulk-bar") ? bar : null;
  }

  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!(box instanceof HTMLInputElement) || box.type !== "checkbox") return;
    var bar = barOf(box.getAttribute("data-bulk-page") || box.getAttribute("form"));
    if (!bar) return;
    if (box.hasAttribute("data-bulk-page")) {
      rows(bar).forEach(function (row) { row.checked = box.checked; });
    }
    refresh(bar);
  });

  document.addEventListener("click", function (event) {
    var clear = event.target.closest("[data-bulk-clear]");
    var bar = clear && clear.closest("form[data-bulk-bar]");
    if (!bar) return;
    rows(bar).forEach(function (row) { row.checked = false; });
    refresh(bar);
  });

  document.addEventListener("submit", function (event) {
    var bar = event.target;
    if (!(bar instanceof HTMLFormElement) || !bar.hasAttribute("data-bulk-bar")) return;
    var submitter = event.submitter;
    var method = (submitter && submitter.getAttribute("formmethod")) || bar.getAttribute("method") || "get";
    bar.querySelectorAll('input[name="csrfmiddlewaretoken"]').forEach(function (token) {
      token.disabled = method.toLowerCase() !== "post";
    });
  });

  // A page shown again from the browser's history keeps its ticks: show the bar for them.
  function refreshAll() { document.querySelectorAll("form[data-bulk-bar]").forEach(refresh); }
  refreshAll();
  window.addEventListener("pageshow", refreshAll);
})();
