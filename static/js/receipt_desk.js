// Receipt desk: look a letter up by the number typed, scanned by a USB scanner (it types the number and
// Enter) or read from the receipt's QR code by the phone camera. The QR decoder is loaded only when the
// camera is first used, so the page stays light on a phone.
(function () {
  "use strict";

  var form = document.getElementById("desk-form");
  if (!form) { return; }
  var input = document.getElementById("desk-number");
  var result = document.getElementById("desk-result");
  var startButton = document.getElementById("desk-camera");
  var scanner = document.getElementById("desk-scanner");
  var video = document.getElementById("desk-video");
  var stopButton = document.getElementById("desk-camera-stop");
  var errorBox = document.getElementById("desk-camera-error");

  var SCAN_EVERY_MS = 150;   // about 7 frames a second: quick enough, and spares an old phone's battery
  var MAX_WIDTH = 640;       // frames are scaled down before decoding; a receipt's QR code stays readable
  var canvas = document.createElement("canvas");
  var context = canvas.getContext("2d", { willReadFrequently: true });
  var stream = null;
  var timer = null;
  var decoderLoading = null;
  var touchOnly = window.matchMedia && window.matchMedia("(pointer: coarse)").matches;

  function showError(text) {
    errorBox.textContent = text;
    errorBox.hidden = false;
  }

  function hideError() {
    errorBox.hidden = true;
    errorBox.textContent = "";
  }

  // Ready the input for the next letter. On a phone the keyboard would cover the buttons, so it is left alone.
  function readyForNext() {
    if (touchOnly) { return; }
    input.focus();
    input.select();
  }

  function submitLookup() {
    if (typeof form.requestSubmit === "function") {
      form.requestSubmit();
    } else if (window.htmx) {
      window.htmx.trigger(form, "submit");
    } else {
      form.submit();
    }
  }

  // The text of a code. jsQR reads byte-mode content as UTF-8 only, and leaves the text empty otherwise;
  // a number with Chinese place names may have been encoded as Shift_JIS (or GB18030) by the printer's
  // QR library, so the raw bytes are decoded here as well.
  function textOf(code) {
    if (code.data) { return code.data; }
    var bytes = new Uint8Array(code.binaryData || []);
    if (!bytes.length || typeof TextDecoder === "undefined") { return ""; }
    var encodings = ["utf-8", "shift_jis", "gb18030"];
    for (var i = 0; i < encodings.length; i++) {
      try {
        return new TextDecoder(encodings[i], { fatal: true }).decode(bytes);
      } catch (ignored) { /* not this encoding: try the next */ }
    }
    return "";
  }

  // The QR code holds the letter's number; a code holding a link to the desk is read for its number too.
  function numberFrom(text) {
    text = (text || "").trim();
    if (/^https?:\/\//i.test(text)) {
      try {
        var url = new URL(text);
        var fromQuery = url.searchParams.get("number");
        if (fromQuery) { return fromQuery.trim(); }
        var parts = url.pathname.split("/").filter(Boolean);
        if (parts.length) { return decodeURIComponent(parts[parts.length - 1]); }
      } catch (ignored) { /* not a link after all: use the text as it is */ }
    }
    return text;
  }

  function loadDecoder() {
    if (window.jsQR) { return Promise.resolve(); }
    if (decoderLoading) { return decoderLoading; }
    decoderLoading = new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = startButton.dataset.jsqr;
      script.onload = function () { resolve(); };
      script.onerror = function () {
        decoderLoading = null;
        script.remove();
        reject(new Error("decoder"));
      };
      document.head.appendChild(script);
    });
    return decoderLoading;
  }

  function stopCamera() {
    if (timer) { clearTimeout(timer); timer = null; }
    if (stream) {
      stream.getTracks().forEach(function (track) { track.stop(); });
      stream = null;
    }
    video.srcObject = null;
    scanner.hidden = true;
    startButton.hidden = false;
    startButton.disabled = false;
  }

  function scanFrame() {
    timer = null;
    if (!stream) { return; }
    if (video.readyState >= video.HAVE_CURRENT_DATA && video.videoWidth) {
      var scale = Math.min(1, MAX_WIDTH / video.videoWidth);
      var width = Math.round(video.videoWidth * scale);
      var height = Math.round(video.videoHeight * scale);
      if (canvas.width !== width) { canvas.width = width; }
      if (canvas.height !== height) { canvas.height = height; }
      context.drawImage(video, 0, 0, width, height);
      var frame = context.getImageData(0, 0, width, height);
      var code = window.jsQR(frame.data, width, height, { inversionAttempts: "dontInvert" });
      var number = code ? numberFrom(textOf(code)) : "";
      if (number) {
        if (navigator.vibrate) { navigator.vibrate(80); }
        stopCamera();
        input.value = number;
        submitLookup();
        return;
      }
    }
    timer = setTimeout(scanFrame, SCAN_EVERY_MS);
  }

  function cameraMessage(error) {
    var name = error && error.name;
    if (error && error.message === "decoder") { return "扫码组件加载失败，请刷新页面后重试。"; }
    if (name === "NotAllowedError" || name === "SecurityError") {
      return "未获得摄像头权限：请在浏览器的网站设置中允许使用摄像头，然后重试。";
    }
    if (name === "NotFoundError" || name === "OverconstrainedError") { return "没有找到可用的摄像头。"; }
    if (name === "NotReadableError" || name === "AbortError") { return "摄像头正被其他应用占用，请关闭后重试。"; }
    return "摄像头无法打开。可以改用扫码枪，或手工输入编号。";
  }

  function startCamera() {
    hideError();
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      showError("此浏览器无法使用摄像头：摄像头只能在 HTTPS 网址（或本机）下使用。可以改用扫码枪，或手工输入编号。");
      return;
    }
    startButton.disabled = true;
    loadDecoder()
      .then(function () {
        return navigator.mediaDevices.getUserMedia({ audio: false, video: { facingMode: { ideal: "environment" } } });
      })
      .then(function (opened) {
        stream = opened;
        video.srcObject = opened;
        scanner.hidden = false;
        startButton.hidden = true;
        return video.play();
      })
      .then(function () { scanFrame(); })
      .catch(function (error) {
        stopCamera();
        showError(cameraMessage(error));
      });
  }

  startButton.addEventListener("click", startCamera);
  stopButton.addEventListener("click", function () { stopCamera(); readyForNext(); });
  // A camera left on in a background tab drains the battery and keeps the camera light on.
  document.addEventListener("visibilitychange", function () { if (document.hidden) { stopCamera(); } });
  window.addEventListener("pagehide", stopCamera);

  form.addEventListener("submit", function () { hideError(); });

  // A USB scanner types wherever the focus is. After a button was clicked the focus is on no field, so the
  // first character of a scan is caught here and the rest, with its closing Enter, goes into the number box
  // (an Enter on a focused button would otherwise record a result by itself).
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing) { return; }
    if (!event.key || event.key.length !== 1 || event.key === " ") { return; }
    var target = event.target;
    if (target === input || (target.closest && target.closest("input, textarea, select, [contenteditable]"))) {
      return;
    }
    event.preventDefault();
    input.value = event.key;
    input.focus();
  });

  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target !== result) { return; }
    if (result.querySelector("[data-desk-finished]")) { readyForNext(); }
  });
  document.body.addEventListener("htmx:sendError", function () {
    showError("网络连接中断，未能提交。请检查网络后重试。");
  });
  document.body.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr.status;
    showError(status === 403 ? "您的角色不能登记回执。" : status === 404 ? "未找到该编号的函件。"
      : "提交未成功（错误 " + status + "），请重试。");
  });
})();
