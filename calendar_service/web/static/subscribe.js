// The subscribe page: copy buttons, and the selection builder updated as the
// reader ticks boxes. Without this script the page still works: the address
// fields can be selected by hand, and the builder is a form that reloads the
// page with its feed's address.
(function () {
  "use strict";

  function showCopyButtons(root) {
    root.querySelectorAll(".copy-button[hidden]").forEach(function (button) {
      button.hidden = false;
    });
  }

  function copied(button) {
    if (!button.dataset.label) button.dataset.label = button.textContent;
    button.textContent = button.dataset.copied || button.dataset.label;
    button.classList.add("copied");
    window.setTimeout(function () {
      button.textContent = button.dataset.label;
      button.classList.remove("copied");
    }, 2000);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest(".copy-button");
    if (!button) return;
    var text = button.getAttribute("data-copy");
    var field = button.parentElement && button.parentElement.querySelector(".feed-url");
    function fallback() {
      if (!field) return;
      var range = document.createRange();
      range.selectNodeContents(field);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      try {
        if (document.execCommand("copy")) copied(button);
      } catch (error) {
        // the field stays selected: the reader copies it by hand
      }
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { copied(button); }, fallback);
    } else {
      fallback();
    }
  });

  var form = document.querySelector("form.builder");
  var result = document.getElementById("builder-result");
  var pending = null;

  function update() {
    var query = new URLSearchParams(new FormData(form)).toString();
    var address = form.getAttribute("action").split("#")[0] + "?" + query;
    if (pending) pending.abort();
    pending = new AbortController();
    fetch(address, { signal: pending.signal, headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.text();
      })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var fresh = page.getElementById("builder-result");
        if (!fresh) return;
        result.innerHTML = fresh.innerHTML;
        showCopyButtons(result);
        window.history.replaceState(null, "", address + "#builder");
      })
      .catch(function () {
        // offline or aborted: the submit button still reloads the page
      });
  }

  showCopyButtons(document);
  if (form && result && window.fetch && window.URLSearchParams && window.DOMParser) {
    form.addEventListener("change", update);
  }
})();
