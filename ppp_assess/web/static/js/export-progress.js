// Follows a prepared export: asks the API how far it is and reloads the page once it is
// finished, so the download link (or the reason it failed) shows. Without JavaScript the
// page refreshes itself instead.
(function () {
  "use strict";
  var section = document.getElementById("export-job");
  if (!section || section.getAttribute("data-finished") === "true") {
    return;
  }
  var url = section.getAttribute("data-status-url");
  var bar = document.getElementById("export-progress");
  var count = section.querySelector("[data-export='count']");
  var numbers = new Intl.NumberFormat(document.documentElement.lang || undefined);
  var delay = 1000;

  function update(job) {
    if (job.status === "done" || job.status === "failed" || job.stalled) {
      window.location.reload();
      return;
    }
    if (bar && job.rows_total) {
      bar.max = job.rows_total;
      bar.value = job.rows_done;
      bar.textContent = job.rows_done + " / " + job.rows_total;
    }
    if (count && job.rows_total !== null) {
      count.textContent = count.getAttribute("data-template")
        .replace("{done}", numbers.format(job.rows_done))
        .replace("{total}", numbers.format(job.rows_total));
    }
    delay = Math.min(delay * 1.5, 5000);
    window.setTimeout(poll, delay);
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(update)
      .catch(function () {
        window.setTimeout(poll, 5000);
      });
  }

  window.setTimeout(poll, delay);
})();
