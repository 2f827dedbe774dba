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
  // The database not reachable (503, config/faults.py): the page stays as it was and says
  // so; the next request (or a polling panel's next tick) works again once it is back.
  document.addEventListener("htmx:responseError", function (evt) {
    const xhr = evt.detail.xhr;
    if (!xhr || xhr.status !== 503) return;
    let box = document.getElementById("fault-message");
    if (!box) {
      box = document.createElement("p");
      box.id = "fault-message";
      box.className = "msg msg-error fault-message";
      box.setAttribute("role", "alert");
      document.body.appendChild(box);
    }
    box.textContent = xhr.responseText;
  });
  document.addEventListener("htmx:afterRequest", function (evt) {
    const box = document.getElementById("fault-message");
    if (box && evt.detail.successful) box.remove();
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
  // Back, Back quickly: htmx restores each page it has no copy of with a request of its own,
  // and the older answer could land last, showing the page before under the newest address.
  // The newest restore wins: an older one still loading is dropped.
  let restoring = null;
  function dropOlderRestore(evt) {
    if (restoring && restoring.readyState !== XMLHttpRequest.DONE) restoring.abort();
    restoring = (evt.detail && evt.detail.xhr) || null;
  }
  document.addEventListener("htmx:historyCacheMiss", dropOlderRestore);
  document.addEventListener("htmx:historyCacheHit", dropOlderRestore);

  document.addEventListener("click", function (evt) {
    const btn = evt.target.closest("[data-close-modal]");
    if (btn) {
      evt.preventDefault();
      const m = modal();
      if (m) m.close();
    }
  });
})();
