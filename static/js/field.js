// The technician's steps on a phone: the location sent with a check-in, and the merchant's signature
// drawn with a finger at completion. Both are enhancements: without JavaScript (or without a
// location) a check-in still carries the confirmation code, and a job completes unsigned.
(function () {
  "use strict";

  // --- location with a check-in --------------------------------------------------------------------
  // The browser asks the technician once; the position (with its accuracy) fills the form's hidden
  // fields. Asked when the code field is first used, so the answer is usually there by the time the
  // technician taps "check in"; a submit waits for it (never more than the timeout).
  document.querySelectorAll("form[data-locate]").forEach(function (form) {
    var status = form.querySelector("[data-locate-status]");
    var field = function (name) {
      return form.querySelector("input[name$='-" + name + "']");
    };
    var state = "idle"; // idle → asking → done
    var waiting = null;

    function say(text) {
      if (status && text) {
        status.textContent = text;
      }
    }

    function finish(message) {
      state = "done";
      say(message);
      if (waiting) {
        var then = waiting;
        waiting = null;
        then();
      }
    }

    function locate() {
      if (state !== "idle") {
        return;
      }
      if (!("geolocation" in navigator)) {
        finish(form.dataset.noLocation);
        return;
      }
      state = "asking";
      say(form.dataset.locating);
      navigator.geolocation.getCurrentPosition(
        function (position) {
          field("latitude").value = position.coords.latitude.toFixed(6);
          field("longitude").value = position.coords.longitude.toFixed(6);
          field("accuracy").value = Math.round(position.coords.accuracy);
          finish((form.dataset.located || "").replace("%s", Math.round(position.coords.accuracy)));
        },
        function () {
          finish(form.dataset.noLocation);
        },
        { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 }
      );
    }

    form.addEventListener("focusin", locate);
    form.addEventListener("submit", function (event) {
      if (state === "done") {
        return;
      }
      event.preventDefault();
      waiting = function () {
        form.submit();
      };
      locate();
    });
  });

  // --- the merchant's signature ---------------------------------------------------------------------
  // Pointer events cover a finger, a stylus and a mouse. The drawing goes to the hidden field as a
  // PNG data URL when the finger lifts, and is cleared with the button.
  document.querySelectorAll("[data-signature]").forEach(function (box) {
    var canvas = box.querySelector("canvas[data-signature-pad]");
    var input = box.querySelector("input[type=hidden]");
    var clear = box.querySelector("[data-signature-clear]");
    var pen = canvas.getContext("2d");
    var drawing = false;
    var inked = false;

    pen.lineWidth = 4;
    pen.lineCap = "round";
    pen.lineJoin = "round";
    pen.strokeStyle = "#1d2330";

    function point(event) {
      var rect = canvas.getBoundingClientRect();
      return {
        x: ((event.clientX - rect.left) * canvas.width) / rect.width,
        y: ((event.clientY - rect.top) * canvas.height) / rect.height,
      };
    }

    function keep() {
      input.value = inked ? canvas.toDataURL("image/png") : "";
    }

    canvas.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      drawing = true;
      canvas.setPointerCapture(event.pointerId);
      var at = point(event);
      pen.beginPath();
      pen.moveTo(at.x, at.y);
      pen.lineTo(at.x + 0.5, at.y + 0.5);
      pen.stroke();
      inked = true;
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) {
        return;
      }
      var at = point(event);
      pen.lineTo(at.x, at.y);
      pen.stroke();
    });
    ["pointerup", "pointercancel", "pointerleave"].forEach(function (name) {
      canvas.addEventListener(name, function () {
        if (drawing) {
          drawing = false;
          keep();
        }
      });
    });
    if (clear) {
      clear.addEventListener("click", function () {
        pen.clearRect(0, 0, canvas.width, canvas.height);
        inked = false;
        keep();
      });
    }
    if (box.closest("form")) {
      box.closest("form").addEventListener("submit", keep);
    }
  });
})();
