// Scanning a terminal's serial number with the phone camera, where the browser has a
// BarcodeDetector. Without one the Scan button stays hidden and the serial is typed.
(function () {
  "use strict";
  var button = document.querySelector("[data-scan]");
  var input = document.querySelector("[data-scan-target]");
  var panel = document.querySelector("[data-scanner]");
  if (!button || !input || !panel) return;
  if (!("BarcodeDetector" in window) || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return;

  var video = panel.querySelector("video");
  var status = panel.querySelector("[data-scan-status]");
  var wanted = ["code_128", "code_39", "code_93", "codabar", "ean_13", "itf", "qr_code", "data_matrix"];
  var stream = null;
  var running = false;
  var detector = null;

  button.hidden = false;

  function stop() {
    running = false;
    if (stream) {
      stream.getTracks().forEach(function (track) {
        track.stop();
      });
    }
    stream = null;
    video.srcObject = null;
    panel.hidden = true;
  }

  function found(value) {
    input.value = value.trim().toUpperCase();
    var select = input.form && input.form.querySelector("select[name$='device']");
    if (select) select.value = "";
    stop();
    input.focus();
  }

  function tick() {
    if (!running) return;
    detector
      .detect(video)
      .then(function (codes) {
        if (codes.length && codes[0].rawValue) {
          found(codes[0].rawValue);
        } else {
          window.setTimeout(tick, 250);
        }
      })
      .catch(function () {
        window.setTimeout(tick, 500);
      });
  }

  function start() {
    BarcodeDetector.getSupportedFormats()
      .then(function (formats) {
        var usable = formats.filter(function (format) {
          return wanted.indexOf(format) !== -1;
        });
        detector = usable.length ? new BarcodeDetector({ formats: usable }) : new BarcodeDetector();
        return navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
      })
      .then(function (media) {
        stream = media;
        video.srcObject = media;
        panel.hidden = false;
        return video.play();
      })
      .then(function () {
        running = true;
        tick();
      })
      .catch(function () {
        stop();
        panel.hidden = false;
        status.textContent = button.dataset.failed || "";
      });
  }

  button.addEventListener("click", start);
  panel.querySelector("[data-scan-stop]").addEventListener("click", stop);
})();
