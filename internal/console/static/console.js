// The console's only script of its own: it hands htmx the CSRF token, runs
// the dark-mode toggle and moves focus to new content after a swap. Every
// page works without it (forms post and links load as usual).
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // Every htmx request carries the session's CSRF token as a header.
  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRF-Token"] = csrfToken();
  });

  // After a swap into <main>, focus it, so keyboard and screen-reader users
  // land on the new content, and keep the page title in step.
  document.addEventListener("htmx:afterSwap", function (event) {
    var main = document.getElementById("main");
    if (event.detail.target === main) {
      var h1 = main.querySelector("h1");
      if (h1) { document.title = h1.textContent + " · charsim console"; }
      main.focus({ preventScroll: false });
    }
  });

  // The memories list re-reads itself when memories change elsewhere (an
  // SSE event); the boxes ticked for a bulk forget must survive that, or a
  // memory arriving mid-selection would silently clear the selection. The
  // ticks are followed as the user makes them, not read from the list when
  // a re-read starts: two re-reads can overlap, and a box ticked while one
  // is in flight must survive the swap that follows.
  var ticked = {};
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches('#mem-list input[name="id"]')) { return; }
    if (box.checked) { ticked[box.value] = true; } else { delete ticked[box.value]; }
  });
  // At the swap itself, in the same task that inserts the new list, so
  // that no one ever sees it unticked (the settle comes 20 ms later).
  document.addEventListener("htmx:afterSwap", function () {
    var list = document.getElementById("mem-list");
    if (!list) { ticked = {}; return; }
    list.querySelectorAll('input[name="id"]').forEach(function (box) {
      if (ticked[box.value]) { box.checked = true; }
    });
  });

  function currentTheme() {
    var set = document.documentElement.getAttribute("data-theme");
    if (set) { return set; }
    return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }

  function showToggle(button) {
    var dark = currentTheme() === "dark";
    button.setAttribute("aria-pressed", dark ? "true" : "false");
  }

  document.addEventListener("DOMContentLoaded", function () {
    var button = document.getElementById("theme-toggle");
    if (!button) { return; }
    showToggle(button);
    button.addEventListener("click", function () {
      var next = currentTheme() === "dark" ? "light" : "dark";
      document.documentElement.setAttribute("data-theme", next);
      try { localStorage.setItem("charsim-theme", next); } catch (e) { /* not kept */ }
      showToggle(button);
    });
  });
})();
