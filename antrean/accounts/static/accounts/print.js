// Recovery codes: a print button, shown only when scripts run (the browser's own print menu
// does the same without them).
document.querySelectorAll("[data-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});
