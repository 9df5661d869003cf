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
