// Applies the stored colour theme before the page paints (loaded without
// defer in <head>); console.js has the toggle. No inline script: the CSP
// forbids it.
(function () {
  try {
    var theme = localStorage.getItem("charsim-theme");
    if (theme === "dark" || theme === "light") {
      document.documentElement.setAttribute("data-theme", theme);
    }
  } catch (e) { /* storage blocked: follow prefers-color-scheme */ }
})();
