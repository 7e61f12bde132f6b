/* Progressive enhancement of questionnaire pages; every page works without it.
 *
 * - Shows and hides questions as answers change, evaluating the same declarative
 *   show_if conditions as the server (data-show-if, JSON data; nothing is evaluated
 *   as code).
 * - On assessment pages (form[data-answers-url]) saves each answer as it changes with
 *   PUT /api/v1/assessments/<id>/answers/<question>, sending the version the answer is
 *   based on in If-Match. A stale version (409) shows both answers and lets the user
 *   choose; failed saves wait for the connection and are retried with backoff.
 * - On the quick self-check (form[data-live-url]) posts the section to be scored.
 * Either way the score panel is refreshed from the response.
 */
(function () {
  "use strict";

  /* ---------------------------------------------------------------- conditions */

  var COMPARE = {
    gt: function (a, b) { return a > b; },
    gte: function (a, b) { return a >= b; },
    lt: function (a, b) { return a < b; },
    lte: function (a, b) { return a <= b; },
    eq: function (a, b) { return a === b; },
    ne: function (a, b) { return a !== b; }
  };

  function matches(value, values) {
    if (Array.isArray(value)) {
      return value.some(function (item) { return values.indexOf(item) !== -1; });
    }
    return values.indexOf(value) !== -1;
  }

  function evaluate(condition, answers, visible) {
    if (condition.all) {
      return condition.all.every(function (part) { return evaluate(part, answers, visible); });
    }
    if (condition.any) {
      return condition.any.some(function (part) { return evaluate(part, answers, visible); });
    }
    var id = condition.question;
    if (!visible[id] || answers[id] === undefined || answers[id] === null) {
      return false;
    }
    var value = answers[id];
    if (Object.prototype.hasOwnProperty.call(condition, "in")) {
      return matches(value, condition["in"]);
    }
    if (Object.prototype.hasOwnProperty.call(condition, "not_in")) {
      return !matches(value, condition.not_in);
    }
    for (var operator in COMPARE) {
      if (Object.prototype.hasOwnProperty.call(condition, operator)) {
        return typeof value === "number" && COMPARE[operator](value, condition[operator]);
      }
    }
    return false;
  }

  // The same evaluation the server runs (ppp_assess.domain.conditions), for the tests
  // that check both agree on one shared list of cases.
  window.PPPAssess = window.PPPAssess || {};
  window.PPPAssess.evaluateCondition = evaluate;

  var form = document.querySelector("form.questionnaire-form");
  if (!form) {
    return;
  }
  var messages = {};
  try {
    messages = JSON.parse(form.getAttribute("data-messages") || "{}");
  } catch (error) {
    messages = {};
  }
  function message(key, fallback) {
    return messages[key] || fallback;
  }
  var statusRegion = form.querySelector("[data-autosave-status]");
  var questions = Array.prototype.slice.call(form.querySelectorAll("[data-question]"));

  function byName(container, name) {
    return Array.prototype.slice.call(
      container.querySelectorAll('[name="' + CSS.escape(name) + '"]'));
  }

  /* ---------------------------------------------------------------- reading answers */

  /* How to read an answer comes from the question's data-reader (see
   * ppp_assess/web/fields.py), so a new question type needs no change here. */
  function readValue(container) {
    var id = container.getAttribute("data-question");
    var reader = container.getAttribute("data-reader");
    var inputs = byName(container, "q_" + id);
    if (reader === "radio" || reader === "radio-number") {
      var checked = inputs.filter(function (input) { return input.checked; })[0];
      if (!checked) {
        return null;
      }
      if (reader === "radio-number" && checked.value !== "na") {
        return parseInt(checked.value, 10);
      }
      return checked.value;
    }
    if (reader === "checkboxes") {
      var values = inputs.filter(function (input) { return input.checked; })
        .map(function (input) { return input.value; });
      return values.length ? values : null;
    }
    var field = inputs[0];
    if (!field) {
      return null;
    }
    if (reader === "number") {
      var notApplicable = container.querySelector("[data-not-applicable]");
      if (notApplicable && notApplicable.checked) {
        return "na";
      }
      if (field.validity && field.validity.badInput) {
        return "?";  // the server explains what is wrong
      }
      var text = field.value.trim();
      if (!text) {
        return null;
      }
      var number = Number(text);
      return isFinite(number) ? number : text;
    }
    if (reader === "text") {
      return field.value.trim() ? field.value : null;
    }
    return field.value.trim() || null;
  }

  function readNotes(container) {
    var id = container.getAttribute("data-question");
    var comment = byName(container, "c_" + id)[0];
    var evidence = byName(container, "e_" + id)[0];
    return {
      comment: comment ? comment.value.trim() : null,
      evidence: evidence ? evidence.value.split(/\r?\n/).map(function (line) {
        return line.trim();
      }).filter(Boolean) : null
    };
  }

  function describe(container, value) {
    if (value === null || value === undefined || (Array.isArray(value) && !value.length)) {
      return message("notAnswered", "Not answered");
    }
    var id = container.getAttribute("data-question");
    var values = Array.isArray(value) ? value : [value];
    var labels = values.map(function (item) {
      var input = byName(container, "q_" + id).filter(function (candidate) {
        return (candidate.type === "radio" || candidate.type === "checkbox") &&
          candidate.value === String(item);
      })[0];
      var label = input && container.querySelector('label[for="' + CSS.escape(input.id) + '"]');
      if (label) {
        return label.textContent.trim();
      }
      if (item === "na") {
        return message("notApplicable", "Not applicable");
      }
      var unit = container.querySelector(".unit");
      return String(item) + (unit ? " " + unit.textContent.trim() : "");
    });
    return labels.join("; ");
  }

  var context = {};
  try {
    context = JSON.parse(form.getAttribute("data-context") || "{}");
  } catch (error) {
    context = {};
  }

  function refreshVisibility() {
    var answers = {};
    var visible = {};
    Object.keys(context).forEach(function (id) {
      answers[id] = context[id];
      visible[id] = true;
    });
    questions.forEach(function (container) {
      var id = container.getAttribute("data-question");
      var raw = container.getAttribute("data-show-if");
      var shown = true;
      if (raw) {
        try {
          shown = evaluate(JSON.parse(raw), answers, visible);
        } catch (error) {
          shown = true;
        }
      }
      container.hidden = !shown;
      if (shown) {
        visible[id] = true;
        answers[id] = readValue(container);
      }
    });
  }

  /* ---------------------------------------------------------------- score panel */

  function setText(selector, text) {
    var element = document.querySelector(selector);
    if (element) {
      element.textContent = text;
    }
    return element;
  }

  /* The verified score beside the live one, and the answers it holds back. */
  function updateVerified(verified) {
    if (!verified) {
      return;
    }
    setText('[data-score="verified"]', verified.overall_display);
    setText('[data-score="verified-level"]', verified.level_label || "");
    var title = document.querySelector("[data-held-back-title]");
    if (title) {
      title.hidden = !verified.held_back.length;
    }
    var list = document.querySelector("[data-held-back]");
    if (!list) {
      return;
    }
    while (list.firstChild) {
      list.removeChild(list.firstChild);
    }
    verified.held_back.forEach(function (held) {
      var item = document.createElement("li");
      var text = document.createElement(held.url ? "a" : "span");
      if (held.url) {
        text.href = held.url;
      }
      text.textContent = held.text;
      item.appendChild(text);
      var reason = document.createElement("span");
      reason.className = "hint";
      reason.textContent = " " + held.reason;
      item.appendChild(reason);
      list.appendChild(item);
    });
  }

  function updatePanel(score) {
    if (!score) {
      return;
    }
    setText('[data-score="overall"]', score.overall_display);
    var level = document.querySelector('[data-score="level"]');
    if (level) {
      level.textContent = score.level_label || level.getAttribute("data-empty-text") || "";
    }
    var capped = document.querySelector('[data-score="capped"]');
    if (capped) {
      capped.hidden = !score.capped;
    }
    var meter = document.querySelector('[data-score="completion-meter"]');
    if (meter) {
      meter.value = score.completion;
    }
    setText('[data-score="completion"]', score.completion_display);
    (score.sections || []).forEach(function (section) {
      var row = document.querySelector('[data-section-score="' + CSS.escape(section.id) + '"]');
      if (row) {
        row.hidden = section.status === "hidden";
      }
      var cell = row && row.querySelector('[data-score="section"]');
      if (cell) {
        cell.textContent = section.display;
      }
      var step = document.querySelector('[data-step="' + CSS.escape(section.id) + '"]');
      if (step) {
        step.hidden = section.status === "hidden";
        ["complete", "started", "not_started", "hidden"].forEach(function (status) {
          step.classList.toggle("step-" + status, status === section.status);
        });
        var label = step.querySelector("[data-step-status]");
        if (label) {
          label.textContent = message("step_" + section.status, label.textContent);
        }
      }
    });
    updateVerified(score.verified);
    var list = document.querySelector("[data-gaps]");
    if (list && score.gaps) {
      while (list.firstChild) {
        list.removeChild(list.firstChild);
      }
      if (!score.gaps.length) {
        var empty = document.createElement("li");
        empty.className = "no-gaps";
        empty.textContent = list.getAttribute("data-no-gaps-text") || "";
        list.appendChild(empty);
      }
      score.gaps.forEach(function (gap) {
        var item = document.createElement("li");
        var title = document.createElement(gap.url ? "a" : "span");
        if (gap.url) {
          title.href = gap.url;
        }
        title.textContent = gap.text;
        item.appendChild(title);
        var impact = document.createElement("span");
        impact.className = "gap-impact";
        impact.textContent = gap.impact_label;
        item.appendChild(impact);
        if (gap.action) {
          var action = document.createElement("p");
          action.className = "gap-action";
          action.textContent = gap.action;
          item.appendChild(action);
        }
        list.appendChild(item);
      });
    }
  }

  function announce(text, isError) {
    if (!statusRegion) {
      return;
    }
    statusRegion.textContent = text;
    statusRegion.classList.toggle("is-error", Boolean(isError));
  }

  function questionStatus(container, text, kind) {
    var element = container.querySelector("[data-save-status]");
    if (!element) {
      return;
    }
    element.textContent = text;
    element.classList.toggle("is-error", kind === "error");
    element.classList.toggle("is-saved", kind === "saved");
  }

  function containerOf(id) {
    return form.querySelector('[data-question="' + CSS.escape(id) + '"]');
  }

  function idOf(target) {
    var container = target.closest ? target.closest("[data-question]") : null;
    return container ? container.getAttribute("data-question") : null;
  }

  /* ---------------------------------------------------------------- autosave */

  var answersUrl = form.getAttribute("data-answers-url");
  var liveUrl = form.getAttribute("data-live-url");
  var versionInput = form.querySelector("[data-version]");
  var pageVersion = versionInput ? parseInt(versionInput.value, 10) : 0;
  // The version each answer is known at: the page's, then the one each save returns.
  // A colleague's newer answer to a question this page has not saved is a conflict.
  var baseVersions = {};
  var pending = [];
  var inFlight = false;
  var backoff = 1000;
  var retryTimer = null;
  var debounceTimers = {};
  var submitting = false;

  function baseVersion(id) {
    return baseVersions[id] !== undefined ? baseVersions[id] : pageVersion;
  }

  function enqueue(id) {
    if (pending.indexOf(id) === -1) {
      pending.push(id);
    }
    process();
  }

  function later(id, delay) {
    clearTimeout(debounceTimers[id]);
    debounceTimers[id] = setTimeout(function () {
      delete debounceTimers[id];
      enqueue(id);
    }, delay);
  }

  function waitAndRetry(id) {
    pending.unshift(id);
    if (!navigator.onLine) {
      announce(message("offline", "You are offline. Your answers will be saved when the connection returns."), true);
      return;
    }
    announce(message("retrying", "Could not save. Trying again…"), true);
    clearTimeout(retryTimer);
    retryTimer = setTimeout(function () {
      retryTimer = null;
      process();
    }, backoff);
    backoff = Math.min(backoff * 2, 30000);
  }

  function showConflict(container, id, error) {
    var existing = container.querySelector("[data-conflict]");
    if (existing) {
      existing.parentNode.removeChild(existing);
    }
    var current = error.current || {};
    var box = document.createElement("div");
    box.className = "conflict";
    box.setAttribute("data-conflict", "");
    box.setAttribute("role", "group");
    var text = document.createElement("p");
    var strong = document.createElement("strong");
    text.textContent = message("conflict", "Someone else saved a different answer:") + " ";
    strong.textContent = describe(container, current.value);
    text.appendChild(strong);
    box.appendChild(text);
    var mine = document.createElement("p");
    var mineStrong = document.createElement("strong");
    mine.textContent = message("yours", "Your answer:") + " ";
    mineStrong.textContent = describe(container, readValue(container));
    mine.appendChild(mineStrong);
    box.appendChild(mine);
    var keepMine = document.createElement("button");
    keepMine.type = "button";
    keepMine.textContent = message("keepMine", "Keep my answer");
    var keepTheirs = document.createElement("button");
    keepTheirs.type = "button";
    keepTheirs.className = "button-secondary";
    keepTheirs.textContent = message("keepTheirs", "Keep their answer");
    var actions = document.createElement("div");
    actions.className = "form-actions";
    actions.appendChild(keepMine);
    actions.appendChild(keepTheirs);
    box.appendChild(actions);
    var anchor = container.querySelector("[data-save-status]");
    container.insertBefore(box, anchor);
    keepMine.addEventListener("click", function () {
      baseVersions[id] = error.version;
      box.parentNode.removeChild(box);
      enqueue(id);
    });
    keepTheirs.addEventListener("click", function () {
      baseVersions[id] = error.version;
      applyValue(container, current);
      box.parentNode.removeChild(box);
      questionStatus(container, message("kept", "Their answer is kept."), "saved");
      refreshVisibility();
    });
    keepMine.focus();
  }

  function applyValue(container, stored) {
    var id = container.getAttribute("data-question");
    var value = stored.value;
    var values = Array.isArray(value) ? value.map(String) : [value === null || value === undefined ? "" : String(value)];
    var notApplicable = container.querySelector("[data-not-applicable]");
    if (notApplicable) {
      notApplicable.checked = value === "na";
    }
    byName(container, "q_" + id).forEach(function (input) {
      if (input.type === "radio" || input.type === "checkbox") {
        input.checked = values.indexOf(input.value) !== -1;
      } else {
        input.value = value === "na" || value === null || value === undefined ? "" : String(value);
      }
    });
    var comment = byName(container, "c_" + id)[0];
    if (comment && typeof stored.comment === "string") {
      comment.value = stored.comment;
    }
    var evidence = byName(container, "e_" + id)[0];
    if (evidence && Array.isArray(stored.evidence)) {
      evidence.value = stored.evidence.join("\n");
    }
  }

  function process() {
    if (inFlight || !pending.length || retryTimer) {
      return;
    }
    if (!navigator.onLine) {
      announce(message("offline", "You are offline. Your answers will be saved when the connection returns."), true);
      return;
    }
    var id = pending.shift();
    var container = containerOf(id);
    if (!container) {
      process();
      return;
    }
    var notes = readNotes(container);
    var body = JSON.stringify({value: readValue(container), comment: notes.comment, evidence: notes.evidence});
    inFlight = true;
    announce(message("saving", "Saving…"), false);
    questionStatus(container, message("saving", "Saving…"), null);
    fetch(answersUrl.replace("__question__", encodeURIComponent(id)), {
      method: "PUT",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "If-Match": String(baseVersion(id)),
        "X-CSRFToken": form.getAttribute("data-csrf") || ""
      },
      body: body
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return {status: response.status, data: data};
      });
    }).then(function (result) {
      inFlight = false;
      var data = result.data || {};
      var error = data.error || {};
      if (result.status === 200) {
        backoff = 1000;
        baseVersions[id] = data.version;
        questionStatus(container, message("saved", "Saved"), "saved");
        updatePanel(data.score);
        if (!pending.length) {
          announce(message("savedAll", "All changes saved."), false);
        }
      } else if (result.status === 409 && error.code === "stale") {
        questionStatus(container, message("conflictShort", "Not saved: choose which answer to keep."), "error");
        announce(message("conflictShort", "Not saved: choose which answer to keep."), true);
        showConflict(container, id, error);
      } else if (result.status === 422 || result.status === 404 || result.status === 409) {
        var text = (error.fields && (error.fields.value || error.fields.comment || error.fields.evidence)) || error.message || message("failed", "Could not save this answer.");
        questionStatus(container, text, "error");
        announce(text, true);
      } else if (result.status === 400 && error.code === "csrf") {
        announce(message("csrf", "Your session has expired. Reload the page to continue."), true);
        pending.unshift(id);
        return;
      } else if (result.status === 401) {
        announce(message("signedOut", "You are signed out. Sign in again in another tab; your answers stay in this page."), true);
        pending.unshift(id);
        return;
      } else {
        waitAndRetry(id);
        return;
      }
      process();
    }, function () {
      inFlight = false;
      waitAndRetry(id);
    });
  }

  /* ---------------------------------------------------------------- live score (quick check) */

  var liveTimer = null;
  function scoreLive() {
    clearTimeout(liveTimer);
    liveTimer = setTimeout(function () {
      fetch(liveUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: {"Accept": "application/json"},
        body: new FormData(form)
      }).then(function (response) {
        return response.ok ? response.json() : null;
      }).then(function (data) {
        if (data && data.score) {
          updatePanel(data.score);
          announce(message("scored", "Score updated."), false);
        }
      }, function () {
        announce(message("offline", "You are offline. Your answers will be saved when the connection returns."), true);
      });
    }, 400);
  }

  /* ---------------------------------------------------------------- wiring */

  /* An exclusive option ("None of these") cannot be combined with the others: ticking
   * it unticks them, and ticking another unticks it. The server refuses the mix too. */
  function untickExclusive(target) {
    var exclusive = target.hasAttribute("data-exclusive");
    byName(containerOf(idOf(target)), target.name).forEach(function (input) {
      if (input !== target && input.checked && (exclusive || input.hasAttribute("data-exclusive"))) {
        input.checked = false;
      }
    });
  }

  var TYPED = /^(textarea|text|number|date|url|search)$/;

  function changed(target, typing) {
    var id = idOf(target);
    if (!id) {
      return;
    }
    if (target.type === "checkbox" && target.checked && target.name === "q_" + id) {
      untickExclusive(target);
    }
    if (target.hasAttribute("data-not-applicable")) {
      var container = containerOf(id);
      var number = byName(container, "q_" + id)[0];
      if (number) {
        number.disabled = target.checked;
      }
    }
    refreshVisibility();
    if (answersUrl && !submitting) {
      if (typing) {
        later(id, 900);
      } else {
        clearTimeout(debounceTimers[id]);
        enqueue(id);
      }
    } else if (liveUrl) {
      scoreLive();
    }
  }

  form.addEventListener("change", function (event) {
    changed(event.target, false);
  });
  form.addEventListener("input", function (event) {
    var kind = event.target.tagName === "TEXTAREA" ? "textarea" : event.target.type;
    if (TYPED.test(kind || "")) {
      changed(event.target, true);
    }
  });
  form.addEventListener("submit", function () {
    submitting = true;
    // A disabled input is not sent; the server reads "not applicable" from the checkbox.
    Array.prototype.forEach.call(form.querySelectorAll("input:disabled"), function (input) {
      input.disabled = false;
    });
  });
  window.addEventListener("online", function () {
    backoff = 1000;
    clearTimeout(retryTimer);
    retryTimer = null;
    process();
  });
  window.addEventListener("offline", function () {
    if (pending.length || inFlight) {
      announce(message("offline", "You are offline. Your answers will be saved when the connection returns."), true);
    }
  });
  window.addEventListener("beforeunload", function (event) {
    var unsaved = pending.length || inFlight || Object.keys(debounceTimers).length;
    if (answersUrl && unsaved && !submitting) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  Array.prototype.forEach.call(form.querySelectorAll("[data-not-applicable]"), function (box) {
    var id = idOf(box);
    var number = id && byName(containerOf(id), "q_" + id)[0];
    if (number && box.checked) {
      number.disabled = true;
    }
  });
  refreshVisibility();
}());
