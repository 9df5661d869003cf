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

  // Forms on their way again with a fresh token (below): their second submit event is let through as it is.
  var resent = new WeakSet();

  // A form marked <form data-confirm="question"> is sent only after the user says yes. Caught before the
  // form's own handlers (htmx's too), so a "no" sends nothing by either path.
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-confirm]");
    if (form && !resent.has(form) && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);

  // Every POST goes out with a fresh CSRF token. Signing in rotates the token, so a form opened before the
  // user signed in again in another tab would be refused and what was typed lost. The cookie is HttpOnly, so
  // the current token is asked of the server (core:csrf-token) just before sending. The same answer says
  // who is signed in now: if the session the page was opened in has ended or changed hands, nothing is sent
  // and the typing stays on the page. When the server cannot be asked, the form goes as it is.
  var tokenUrl = document.body.dataset.csrfTokenUrl;
  var pageUser = document.body.dataset.user || "";
  var latestToken = null;

  function askToken() {
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller && window.setTimeout(function () { controller.abort(); }, 8000);
    return window.fetch(tokenUrl, {
      credentials: "same-origin", cache: "no-store", headers: { "Accept": "application/json" },
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).catch(function () {
      return null;
    }).then(function (answer) {
      window.clearTimeout(timer);
      return answer && typeof answer.token === "string" ? answer : null;
    });
  }

  function sessionProblem(answer, form) {
    if (!answer || !pageUser || (form && form.hasAttribute("data-skip-session-check"))) { return null; }
    if (answer.user === null) {
      return "您已退出登录（或因长时间未操作登录已失效），这次没有提交。\n" +
        "请在新窗口重新登录，再回到本页点提交：已填写的内容仍在本页。";
    }
    if (String(answer.user) !== pageUser) {
      return "本页打开后，这个浏览器已换成另一个账号登录。为免记到别人名下，这次没有提交。\n" +
        "请在新窗口用原来的账号重新登录，再回到本页点提交：已填写的内容仍在本页。";
    }
    return null;
  }

  // Every token field of the page gets the fresh token (Django reads the field before the header).
  function useToken(token) {
    latestToken = token;
    document.querySelectorAll('input[name="csrfmiddlewaretoken"]').forEach(function (input) { input.value = token; });
  }

  function sendAgain(form, submitter) {
    resent.add(form);
    if (typeof form.requestSubmit === "function") {
      form.requestSubmit(submitter && submitter.form === form ? submitter : undefined);
      resent.delete(form);   // requestSubmit fires its submit event at once; a blocked one leaves no mark
      return;
    }
    resent.delete(form);
    if (submitter && submitter.name) {   // form.submit() leaves out the button that was pressed
      var field = document.createElement("input");
      field.type = "hidden";
      field.name = submitter.name;
      field.value = submitter.value;
      form.appendChild(field);
    }
    form.submit();
  }

  var asking = new WeakSet();
  // Bubbling, after the form's own handlers: a form that htmx sends (or a data-confirm "no") is already
  // prevented, and htmx's requests are seen to below.
  document.addEventListener("submit", function (event) {
    var form = event.target, submitter = event.submitter;
    var method = (submitter && submitter.getAttribute("formmethod")) || form.getAttribute("method") || "get";
    if (!tokenUrl || event.defaultPrevented || method.toLowerCase() !== "post" || resent.has(form)) { return; }
    event.preventDefault();
    if (asking.has(form)) { return; }   // a second click while the token is on its way sends nothing more
    asking.add(form);
    askToken().then(function (answer) {
      asking.delete(form);
      var problem = sessionProblem(answer, form);
      if (problem) {
        window.alert(problem);
        return;
      }
      if (answer) { useToken(answer.token); }
      sendAgain(form, submitter);
    });
  });

  // htmx: every request but a GET waits for a fresh token, which then goes in the header as well.
  document.addEventListener("htmx:confirm", function (event) {
    var detail = event.detail;
    if (!tokenUrl || detail.verb === "get") { return; }
    event.preventDefault();
    askToken().then(function (answer) {
      var problem = sessionProblem(answer, detail.elt.closest("form"));
      if (problem) {
        window.alert(problem);
        return;
      }
      if (answer) { useToken(answer.token); }
      detail.issueRequest();
    });
  });
  document.addEventListener("htmx:configRequest", function (event) {
    if (latestToken) { event.detail.headers["X-CSRFToken"] = latestToken; }
  });
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
