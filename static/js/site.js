// Behaviour every page shares. Pages carry no inline script or event attribute (the
// Content-Security-Policy allows neither); what they need is wired here from data- attributes.
(function () {
  "use strict";

  // A select that applies itself when changed (the language switcher); without script its form
  // has a submit button instead.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () {
      select.form.submit();
    });
  });
})();
