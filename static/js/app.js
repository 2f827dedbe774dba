// Small helpers for htmx-driven pages. No framework.
(function () {
  "use strict";
  const modal = () => document.getElementById("modal");

  // Content swapped into the modal opens it; a response header closes it.
  document.addEventListener("htmx:afterSwap", function (evt) {
    const m = modal();
    if (m && evt.detail.target && evt.detail.target.id === "modal-body" && !m.open) {
      m.showModal();
      const first = m.querySelector("[autofocus], input:not([type=hidden]), select, textarea");
      if (first) first.focus();
    }
  });
  // A response can ask for a full reload once its own swap is done (HX-Trigger-After-Swap:
  // reloadPage), e.g. when a background job it was polling has finished.
  document.addEventListener("reloadPage", function () {
    window.location.reload();
  });
  document.addEventListener("closeModal", function () {
    const m = modal();
    if (m && m.open) m.close();
  });
  // A control marked data-autosubmit submits its form when changed (the form also has a
  // submit button for people without JavaScript).
  document.addEventListener("change", function (evt) {
    const control = evt.target.closest("[data-autosubmit]");
    if (control && control.form) control.form.requestSubmit();
  });
  document.addEventListener("click", function (evt) {
    const btn = evt.target.closest("[data-close-modal]");
    if (btn) {
      evt.preventDefault();
      const m = modal();
      if (m) m.close();
    }
  });
})();
