// The right-click session menu (WAI-ARIA menu pattern). No framework, no inline script.
//
// Any element with data-menu-url (a block on the live schedule, a chip on a grid) opens the
// menu: right-click, the ContextMenu key or Shift+F10 when focused, or its "⋯" button
// (data-menu-button). The items come from the server (GET data-menu-url: the rule is the
// server's); choosing one loads that action's form into the page's dialog (#modal-body), as
// the blocks open the session form. Everything is delegated from document, so it keeps working
// after htmx replaces the board or the grid, and after Back/Forward.
(function () {
  "use strict";
  let box = null; // the one popup, created on first use, direct child of <body>
  let invoker = null; // the block (or chip) the menu is for
  let button = null; // its ⋯ button, when that opened the menu
  let request = 0; // the newest open; an older response arriving late is dropped
  let lastSessionId = null; // the session whose action was chosen: its block gets focus back

  const blockOf = (el) => el && el.closest && el.closest("[data-menu-url]");
  const items = () => (box ? Array.from(box.querySelectorAll("[role=menuitem]")) : []);

  function ensureBox() {
    if (box && box.isConnected) return box;
    box = document.createElement("div");
    box.id = "session-menu";
    box.className = "session-menu-pop";
    box.hidden = true;
    document.body.appendChild(box);
    return box;
  }

  function isOpen() {
    return !!(box && !box.hidden);
  }

  function setExpanded(value) {
    if (button) button.setAttribute("aria-expanded", value ? "true" : "false");
  }

  function close(restoreFocus) {
    if (!isOpen()) return;
    box.hidden = true; // its content stays until the next open: htmx may still be loading an item
    setExpanded(false);
    const target = invoker;
    button = null;
    if (restoreFocus && target && target.isConnected) target.focus();
  }

  // Beside the pointer (or below the block); above it when there is no room below.
  function place(x, y, above) {
    const pad = 6;
    box.style.left = "0px";
    box.style.top = "0px";
    const r = box.getBoundingClientRect();
    const left = Math.max(pad, Math.min(x, window.innerWidth - r.width - pad));
    let top = y;
    if (top + r.height > window.innerHeight - pad) top = (above === undefined ? y : above) - r.height;
    top = Math.max(pad, Math.min(top, window.innerHeight - r.height - pad));
    box.style.left = left + "px";
    box.style.top = top + "px";
  }

  function focusItem(i) {
    const all = items();
    if (!all.length) return;
    const n = ((i % all.length) + all.length) % all.length;
    all.forEach((el, k) => el.setAttribute("tabindex", k === n ? "0" : "-1"));
    all[n].focus();
  }

  function open(block, x, y, fromButton, above) {
    close(false);
    invoker = block;
    button = fromButton || null;
    const mine = ++request;
    ensureBox();
    fetch(block.getAttribute("data-menu-url"), {
      headers: { "HX-Request": "true" },
      credentials: "same-origin",
    })
      .then((r) => (r.ok ? r.text() : Promise.reject(new Error("menu " + r.status))))
      .then(function (html) {
        if (mine !== request || !block.isConnected) return;
        box.innerHTML = html;
        box.hidden = false;
        if (window.htmx) window.htmx.process(box);
        const list = box.querySelector("[role=menu]");
        if (list && button) {
          if (!button.id) button.id = "menu-button-" + block.getAttribute("data-session-id");
          list.setAttribute("aria-labelledby", button.id);
          list.removeAttribute("aria-label");
        }
        setExpanded(true);
        place(x, y, above);
        focusItem(0);
      })
      .catch(function () {
        /* the block stays as it was; nothing to show */
      });
  }

  function openAtElement(block, fromButton) {
    const r = (fromButton || block).getBoundingClientRect();
    open(block, r.left, r.bottom + 2, fromButton, r.top - 2);
  }

  // Right-click on a block: the menu beside the pointer (not the browser's).
  document.addEventListener("contextmenu", function (evt) {
    const block = blockOf(evt.target);
    if (!block || evt.target.closest("#session-menu")) return;
    evt.preventDefault();
    if (evt.clientX === 0 && evt.clientY === 0) openAtElement(block); // from the keyboard
    else open(block, evt.clientX, evt.clientY);
  });

  document.addEventListener("click", function (evt) {
    const btn = evt.target.closest("[data-menu-button]");
    if (btn) {
      evt.preventDefault();
      const block = blockOf(btn) || (btn.parentElement && btn.parentElement.querySelector("[data-menu-url]"));
      if (!block) return;
      if (isOpen() && button === btn) close(true);
      else openAtElement(block, btn);
      return;
    }
    const item = evt.target.closest("#session-menu [role=menuitem]");
    if (item) {
      if (item.getAttribute("aria-disabled") === "true") {
        evt.preventDefault();
        return;
      }
      lastSessionId = invoker && invoker.getAttribute("data-session-id");
      close(false); // htmx loads the action into the dialog
      return;
    }
    const cancel = evt.target.closest("[data-menu-cancel]");
    if (cancel) {
      const dialog = cancel.closest("dialog");
      if (dialog && dialog.open) {
        evt.preventDefault();
        dialog.close();
      }
      return;
    }
    if (isOpen() && !evt.target.closest("#session-menu")) close(false);
  });

  document.addEventListener("keydown", function (evt) {
    const inMenu = isOpen() && evt.target.closest && evt.target.closest("#session-menu");
    if (!inMenu) {
      const block = blockOf(evt.target);
      if (block && (evt.key === "ContextMenu" || (evt.shiftKey && evt.key === "F10"))) {
        evt.preventDefault();
        openAtElement(block);
      }
      return;
    }
    const all = items();
    const at = all.indexOf(document.activeElement);
    switch (evt.key) {
      case "ArrowDown":
        evt.preventDefault();
        focusItem(at + 1);
        break;
      case "ArrowUp":
        evt.preventDefault();
        focusItem(at - 1);
        break;
      case "Home":
        evt.preventDefault();
        focusItem(0);
        break;
      case "End":
        evt.preventDefault();
        focusItem(all.length - 1);
        break;
      case "Escape":
        evt.preventDefault();
        evt.stopPropagation();
        close(true);
        break;
      case "Tab":
        close(true); // focus back on the block; Tab then moves on from there
        break;
      case "Enter":
      case " ":
        if (at >= 0 && all[at].getAttribute("aria-disabled") === "true") {
          evt.preventDefault();
        } else if (evt.key === " " && at >= 0) {
          evt.preventDefault();
          all[at].click();
        }
        break;
      default:
        if (evt.key.length === 1 && /\S/.test(evt.key)) {
          // Type-ahead: the next item starting with that letter.
          const k = evt.key.toLowerCase();
          for (let i = 1; i <= all.length; i++) {
            const el = all[(at + i) % all.length];
            if (el.textContent.trim().toLowerCase().startsWith(k)) {
              focusItem((at + i) % all.length);
              break;
            }
          }
        }
    }
  });

  // Keep the menu honest when the page under it changes.
  const closeQuietly = () => close(false);
  window.addEventListener("resize", closeQuietly);
  window.addEventListener("blur", closeQuietly);
  document.addEventListener("scroll", closeQuietly, true);
  document.addEventListener("htmx:beforeHistorySave", closeQuietly);
  document.addEventListener("htmx:beforeSwap", function (evt) {
    const t = evt.detail && evt.detail.target;
    if (t && (t.id === "live" || t.id === "grid")) close(false);
  });
  window.addEventListener("pageshow", closeQuietly);

  // Modify Workers: a worker ticked while the type-ahead was loading stays ticked.
  let ticked = [];
  document.addEventListener("htmx:beforeSwap", function (evt) {
    const t = evt.detail && evt.detail.target;
    if (t && t.id === "mw-results") {
      ticked = Array.from(t.querySelectorAll("input[name=add]:checked"), (el) => el.value);
    }
  });
  document.addEventListener("htmx:afterSwap", function (evt) {
    const t = evt.detail && evt.detail.target;
    if (!t || t.id !== "mw-results") return;
    t.querySelectorAll("input[name=add]").forEach(function (el) {
      if (ticked.indexOf(el.value) !== -1) el.checked = true;
    });
    ticked = [];
  });

  // When an action's dialog closes, focus goes back to the session's block (the board may
  // have been replaced meanwhile: found again by its session id).
  document.addEventListener(
    "close",
    function (evt) {
      if (!evt.target || evt.target.id !== "modal" || !lastSessionId) return;
      const id = lastSessionId;
      lastSessionId = null;
      window.setTimeout(function () {
        const block = document.querySelector('[data-menu-url][data-session-id="' + id + '"]');
        if (block) block.focus();
      }, 0);
    },
    true
  );
})();
