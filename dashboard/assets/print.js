// Any button marked data-print prints the page (the caseload talk and steering views are printed for meetings).
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) { window.print(); }
});
