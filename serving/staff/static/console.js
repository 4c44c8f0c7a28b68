// The console's few scripts: sign in and out, and the answer inspector. Text is set with textContent only.
(function () {
  "use strict";
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf},
      body: JSON.stringify(body)
    });
  }
  function text(id, value) { document.getElementById(id).textContent = value == null ? "-" : String(value); }
  document.addEventListener("DOMContentLoaded", function () {
    var signIn = document.getElementById("sign-in");
    if (signIn) signIn.addEventListener("submit", function (e) {
      e.preventDefault();
      post("/staff/api/login", {username: signIn.username.value, password: signIn.password.value}).then(function (r) {
        if (r.ok) { window.location.reload(); return; }
        return r.json().then(function (b) { text("sign-in-error", b.error || "Could not sign in"); });
      });
    });
    var out = document.getElementById("sign-out");
    if (out) out.addEventListener("click", function () {
      post("/staff/api/logout", {}).then(function () { window.location.href = "/staff/"; });
    });
    Array.prototype.forEach.call(document.querySelectorAll(".review-form"), function (form) {
      form.addEventListener("submit", function (e) {
        e.preventDefault();
        var status = form.querySelector(".review-status");
        post("/staff/api/reviews", {
          id: parseInt(form.dataset.id, 10), verdict: form.verdict.value, intent: form.intent.value,
          procedure: form.procedure.value, section: form.section.value, text: form.text.value,
          approved: form.approved.checked
        }).then(function (r) {
          return r.json().then(function (b) { status.textContent = r.ok ? "Saved." : (b.error || "Not saved"); });
        });
      });
    });
    var tryForm = document.getElementById("try-form");
    if (tryForm) tryForm.addEventListener("submit", function (e) {
      e.preventDefault();
      text("try-error", "");
      post("/staff/api/try", {text: tryForm.text.value, procedure: tryForm.procedure.value || null}).then(function (r) {
        return r.json().then(function (b) {
          if (!r.ok) { text("try-error", b.error || "Could not try it"); return; }
          text("try-reply", b.reply);
          text("try-intent", b.intent + " (" + (b.confidence || 0).toFixed(3) + ")");
          text("try-proc", b.procedure); text("try-section", b.section);
          var ranking = document.getElementById("try-ranking"); ranking.textContent = "";
          (b.ranking || []).forEach(function (x) {
            var li = document.createElement("li"); li.textContent = x.name + " (" + (x.confidence || 0).toFixed(3) + ")"; ranking.appendChild(li);
          });
          var list = document.getElementById("try-passages"); list.textContent = "";
          (b.passages || []).forEach(function (p) {
            var li = document.createElement("li"); li.className = p.sent ? "passage sent" : "passage";
            li.textContent = p.score.toFixed(3) + (p.sent ? " (sent) " : " ") + p.text; list.appendChild(li);
          });
          document.getElementById("try-result").hidden = false;
        });
      });
    });
  });
})();
