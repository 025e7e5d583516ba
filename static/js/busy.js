/* Long work says what it is doing (UX.md): a form marked data-busy shows its message and
   disables its button while the server works. Without JavaScript the form still submits. */
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!form.matches || !form.matches("form[data-busy]")) return;
  var status = form.querySelector(".busy");
  if (status) { status.textContent = form.getAttribute("data-busy"); status.hidden = false; }
  form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
});
