// Progressive enhancement only: every page works without this file.
document.addEventListener("submit", function (event) {
  var button = event.submitter;
  var message = button && button.getAttribute("data-confirm");
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});

// Take keyboard and screen-reader users to the summary of what is wrong with the form.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector(".form-errors[data-focus]");
  if (summary) {
    summary.focus();
  }
});
