// Copy a feed address to the clipboard (falls back to selecting the field).
document.addEventListener("click", function (event) {
  var button = event.target.closest(".copy-button");
  if (!button) return;
  var text = button.getAttribute("data-copy");
  var field = button.previousElementSibling && button.previousElementSibling.querySelector("input");
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text);
  } else if (field) {
    field.select();
    document.execCommand("copy");
  }
  button.classList.add("copied");
});
