/* The review page: keep each comment on a question as the reviewer types it.
 *
 * Without scripts the comments are sent with the decision (or recommendation) form; with
 * them, each is also saved unsent through the API a moment after typing stops, so a
 * reload or a lost connection does not lose it. The organisation sees nothing before
 * the decision is sent.
 */
(function () {
  "use strict";

  var form = document.querySelector("form[data-review-comments]");
  if (!form || !window.fetch) {
    return;
  }
  var url = form.getAttribute("data-comments-url") || "";
  var csrf = form.getAttribute("data-csrf") || "";
  var DELAY = 800;

  function status(textarea, text, isError) {
    var region = textarea.parentNode.querySelector("[data-comment-status]");
    if (region) {
      region.textContent = text;
      region.classList.toggle("is-error", Boolean(isError));
    }
  }

  function save(textarea) {
    var question = textarea.getAttribute("data-comment-question");
    var text = textarea.value;
    if (textarea.getAttribute("data-sent") === text) {
      return;
    }
    status(textarea, form.getAttribute("data-saving") || "", false);
    fetch(url.replace("__question__", encodeURIComponent(question)), {
      method: "PUT",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "Accept": "application/json",
                "X-CSRFToken": csrf},
      body: JSON.stringify({text: text})
    }).then(function (response) {
      if (!response.ok) {
        throw new Error(String(response.status));
      }
      textarea.setAttribute("data-sent", text);
      status(textarea, form.getAttribute("data-saved") || "", false);
    }).catch(function () {
      status(textarea, form.getAttribute("data-failed") || "", true);
    });
  }

  Array.prototype.forEach.call(form.querySelectorAll("textarea[data-comment-question]"),
    function (textarea) {
      var timer = null;
      textarea.setAttribute("data-sent", textarea.value);
      textarea.addEventListener("input", function () {
        window.clearTimeout(timer);
        timer = window.setTimeout(function () { save(textarea); }, DELAY);
      });
      textarea.addEventListener("blur", function () {
        window.clearTimeout(timer);
        save(textarea);
      });
    });
}());
