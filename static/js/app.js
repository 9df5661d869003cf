// Behaviour shared by every page. No inline script anywhere: the Content-Security-Policy allows
// scripts from this site's static files only.
(function () {
  "use strict";

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
