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
})();
