// Progressive enhancement of the public booking pages (they work without it): a form
// is sent once, its button says so while the next page loads.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form.dataset.sent) { event.preventDefault(); return; }
  form.dataset.sent = "1";
  var buttons = form.querySelectorAll("button[type=submit]");
  for (var i = 0; i < buttons.length; i++) { buttons[i].setAttribute("aria-busy", "true"); }
});
