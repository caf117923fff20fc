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

  // A one-time token must survive going back to the form. On a history navigation browsers restore
  // the fields whose value differs from the one in the page's markup, even when they fetch the page
  // again; moving the token out of the markup into the field's value makes it one of them, so a
  // back-and-resubmit carries the first token and the server finds the ticket it already made.
  document.querySelectorAll("input[data-keep-on-back]").forEach(function (input) {
    var token = input.value;
    input.defaultValue = "";
    input.value = token;
  });

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () {
      window.print();
    });
  });
})();
