// Small progressive enhancements of the ticket pages; every page works without them.
(function () {
  "use strict";

  // A second tap while the first submission is on its way does nothing. The server recognises a
  // resubmitted request by its one-time token anyway; this only spares the second round trip.
  function armSubmitOnce() {
    document.querySelectorAll("form[data-submit-once]").forEach(function (form) {
      delete form.dataset.sending;
    });
  }
  document.querySelectorAll("form[data-submit-once]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.sending === "1") {
        event.preventDefault();
        return;
      }
      form.dataset.sending = "1";
    });
  });
  // Coming back to the page from the browser's history restores it as it was left: arm it again.
  window.addEventListener("pageshow", armSubmitOnce);

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () {
      window.print();
    });
  });
})();
