// The app launcher in the header: a WAI-ARIA combobox (editable, list autocomplete).
// htmx fills #launcher-popup with a listbox from the launcher endpoint as the user types; this
// file does the keyboard: "/" (outside a field) or Ctrl/Cmd+K to focus the box, arrow keys to
// move through the options, Enter to go, Escape to close.
(function () {
  "use strict";

  function parts() {
    const input = document.getElementById("launcher-q");
    if (!input) return null;
    return {
      form: input.form,
      input: input,
      popup: document.getElementById("launcher-popup"),
      status: document.getElementById("launcher-status"),
    };
  }

  function options(p) {
    return Array.from(p.popup.querySelectorAll('[role="option"]'));
  }

  function activeIndex(p) {
    const id = p.input.getAttribute("aria-activedescendant");
    return id ? options(p).findIndex(function (o) { return o.id === id; }) : -1;
  }

  function setActive(p, index) {
    const opts = options(p);
    opts.forEach(function (o, i) {
      const on = i === index;
      o.setAttribute("aria-selected", on ? "true" : "false");
      o.classList.toggle("is-active", on);
      if (on) o.scrollIntoView({ block: "nearest" });
    });
    if (index >= 0 && opts[index]) p.input.setAttribute("aria-activedescendant", opts[index].id);
    else p.input.removeAttribute("aria-activedescendant");
  }

  function open(p) {
    const has = p.popup.textContent.trim() !== "";
    p.popup.hidden = !has;
    p.input.setAttribute("aria-expanded", has && options(p).length > 0 ? "true" : "false");
  }

  function close(p) {
    setActive(p, -1);
    p.popup.hidden = true;
    p.input.setAttribute("aria-expanded", "false");
  }

  function isEditable(el) {
    if (!el) return false;
    const tag = el.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable;
  }

  // New results: show them, nothing chosen yet, and say how many.
  document.addEventListener("htmx:afterSwap", function (evt) {
    const p = parts();
    if (!p || evt.detail.target !== p.popup) return;
    setActive(p, -1);
    if (document.activeElement === p.input) open(p);
    else close(p);
    const n = options(p).length;
    const note = p.popup.querySelector(".launcher-note");
    p.status.textContent = n ? n + (n === 1 ? " result" : " results") : note ? note.textContent : "";
  });

  document.addEventListener("keydown", function (evt) {
    const p = parts();
    if (!p) return;
    const k = evt.key;
    if ((k === "k" || k === "K") && (evt.ctrlKey || evt.metaKey) && !evt.altKey) {
      evt.preventDefault();
      p.input.focus();
      p.input.select();
      return;
    }
    if (k === "/" && !evt.ctrlKey && !evt.metaKey && !evt.altKey && !isEditable(evt.target)) {
      evt.preventDefault();
      p.input.focus();
      p.input.select();
      return;
    }
    if (evt.target !== p.input) return;
    const opts = options(p);
    const current = activeIndex(p);
    if (k === "ArrowDown" || k === "ArrowUp") {
      if (!opts.length) return;
      evt.preventDefault();
      open(p);
      const step = k === "ArrowDown" ? 1 : -1;
      const start = current === -1 && step === -1 ? opts.length : current;
      setActive(p, (start + step + opts.length) % opts.length);
    } else if (k === "Enter") {
      if (current >= 0 && !p.popup.hidden) {
        evt.preventDefault();
        window.location.assign(opts[current].href);
      } // otherwise the form submits: the results page
    } else if (k === "Escape") {
      if (!p.popup.hidden) {
        evt.preventDefault(); // keep what was typed (a search box would clear it)
        close(p);
      }
    }
  });

  // Clicking an option keeps the focus in the box (the link still navigates).
  document.addEventListener("mousedown", function (evt) {
    const p = parts();
    if (p && p.popup.contains(evt.target)) evt.preventDefault();
  });

  document.addEventListener("focusin", function (evt) {
    const p = parts();
    if (!p) return;
    if (evt.target === p.input) open(p);
    else if (!p.form.contains(evt.target)) close(p);
  });

  document.addEventListener("click", function (evt) {
    const p = parts();
    if (p && !p.form.contains(evt.target)) close(p);
  });
})();
