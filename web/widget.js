/*
 * Clinic FAQ chat widget: one script tag, no build step.
 *
 *   <script src="https://BOT-HOST/widget.js" defer></script>
 *
 * The chat appears where the tag is (or inside the element that the tag's
 * data-target="#selector" names). It loads BOT-HOST/config.js (the bot's
 * address and the clinic's details) and the vendored Socket.IO client
 * (BOT-HOST/vendor/socket.io.min.js), talks to Rasa's Socket.IO channel, and
 * keeps the session id and the rendered history in localStorage, so that the
 * conversation survives a reload. Every message is rendered with textContent:
 * no HTML from a message is ever interpreted. "Privacy" shows the bot's privacy
 * note; "Clear conversation" asks, then deletes the conversation on the server
 * (the bot's "forget me", confirmed) and the history kept in this browser.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var base = script && script.src ? new URL(script.src, document.baseURI).origin : window.location.origin;
  var STORE_SESSION = "clinicBot.sessionId";
  var STORE_HISTORY = "clinicBot.history";
  var MAX_HISTORY = 200;

  var CSS = [
    ".cfb{box-sizing:border-box;width:100%;max-width:40rem;margin:0 auto;border:1px solid #8a8f98;border-radius:8px;",
    "background:#fff;color:#1b1f24;font:1rem/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;display:flex;",
    "flex-direction:column;min-height:24rem;max-height:80vh}",
    ".cfb *{box-sizing:border-box}",
    ".cfb-title{margin:0;padding:.75rem 1rem .25rem;font-size:1.15rem}",
    ".cfb-notice{margin:0;padding:0 1rem .75rem;font-size:.9rem;color:#3d434b;border-bottom:1px solid #d4d7dc}",
    ".cfb-log{flex:1 1 auto;overflow-y:auto;padding:.75rem 1rem;display:flex;flex-direction:column;gap:.5rem}",
    ".cfb-log:focus{outline:3px solid #1a5fb4;outline-offset:-3px}",
    ".cfb-msg{max-width:85%;padding:.5rem .75rem;border-radius:12px;white-space:pre-wrap;overflow-wrap:anywhere}",
    ".cfb-bot{align-self:flex-start;background:#eef1f5}",
    ".cfb-user{align-self:flex-end;background:#1a5fb4;color:#fff}",
    ".cfb-choices{display:flex;flex-wrap:wrap;gap:.4rem;align-self:flex-start}",
    ".cfb-choice{min-height:44px;padding:.4rem .8rem;border:2px solid #1a5fb4;border-radius:20px;background:#fff;",
    "color:#1a5fb4;font:inherit;cursor:pointer}",
    ".cfb-choice:hover,.cfb-choice:focus{background:#1a5fb4;color:#fff;outline:3px solid #99c1f1}",
    ".cfb-feedback{display:flex;flex-wrap:wrap;gap:.4rem;align-items:center;align-self:flex-start;font-size:.9rem}",
    ".cfb-status{margin:0;padding:0 1rem;min-height:1.2em;font-size:.85rem;color:#3d434b}",
    ".cfb-form{display:flex;flex-wrap:wrap;gap:.5rem;padding:.75rem 1rem;border-top:1px solid #d4d7dc}",
    ".cfb-form label{flex:1 0 100%;font-size:.9rem;font-weight:600}",
    ".cfb-input{flex:1 1 12rem;min-width:0;min-height:44px;padding:.5rem;border:1px solid #6b717a;border-radius:6px;font:inherit}",
    ".cfb-input:focus{outline:3px solid #99c1f1;border-color:#1a5fb4}",
    ".cfb-send{min-height:44px;padding:.5rem 1rem;border:0;border-radius:6px;background:#1a5fb4;color:#fff;font:inherit;",
    "cursor:pointer}",
    ".cfb-send:focus{outline:3px solid #99c1f1}",
    ".cfb-tools{display:flex;flex-wrap:wrap;gap:.5rem;padding:0 1rem .75rem}",
    ".cfb-tool{min-height:44px;padding:.3rem .7rem;border:1px solid #6b717a;border-radius:6px;background:#fff;",
    "color:#1b1f24;font:inherit;font-size:.9rem;cursor:pointer}",
    ".cfb-tool:focus{outline:3px solid #99c1f1}",
    ".cfb-sr{position:absolute;width:1px;height:1px;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}",
    "@media (max-width:480px){.cfb{border-radius:0;border-left:0;border-right:0;max-height:none;min-height:70vh}",
    ".cfb-msg{max-width:92%}}",
  ].join("");

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var tag = document.createElement("script");
      tag.src = src;
      tag.onload = resolve;
      tag.onerror = function () { reject(new Error("could not load " + src)); };
      document.head.appendChild(tag);
    });
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function readStore(key, fallback) {
    try {
      var value = window.localStorage.getItem(key);
      return value === null ? fallback : JSON.parse(value);
    } catch (e) {
      return fallback;
    }
  }

  function writeStore(key, value) {
    try {
      window.localStorage.setItem(key, JSON.stringify(value));
    } catch (e) {
      /* private mode or full storage: the chat still works, without history */
    }
  }

  function mount(config) {
    if (!document.getElementById("clinic-bot-style")) {
      var style = el("style");
      style.id = "clinic-bot-style";
      style.textContent = CSS;
      document.head.appendChild(style);
    }
    var target = script && script.dataset.target ? document.querySelector(script.dataset.target) : null;
    var root = el("section", "cfb");
    root.setAttribute("aria-labelledby", "cfb-title");
    var title = el("h2", "cfb-title", config.title || "Questions about your procedure");
    title.id = "cfb-title";
    var notice = el(
      "p",
      "cfb-notice",
      "General information about procedures at " + config.clinicName + ", not medical advice. " +
        "Not for emergencies: call " + config.emergencyNumber + ". To talk to a person, call " +
        config.clinicPhone + "."
    );
    notice.id = "cfb-notice";
    var tools = el("div", "cfb-tools");
    tools.setAttribute("role", "group");
    tools.setAttribute("aria-label", "Your data");
    var privacy = el("button", "cfb-tool", "Privacy");
    privacy.type = "button";
    privacy.id = "cfb-privacy";
    var clear = el("button", "cfb-tool", "Clear conversation");
    clear.type = "button";
    clear.id = "cfb-clear";
    clear.setAttribute("aria-describedby", "cfb-clear-help");
    var clearHelp = el("span", "cfb-sr", "Deletes this chat from the clinic's server and from this browser.");
    clearHelp.id = "cfb-clear-help";
    tools.append(privacy, clear, clearHelp);
    var log = el("div", "cfb-log");
    log.setAttribute("role", "log");
    log.setAttribute("aria-live", "polite");
    log.setAttribute("aria-relevant", "additions");
    log.setAttribute("aria-label", "Conversation");
    log.setAttribute("aria-describedby", "cfb-notice");
    log.tabIndex = 0;
    var status = el("p", "cfb-status");
    status.setAttribute("role", "status");
    var form = el("form", "cfb-form");
    var label = el("label", null, "Type your question");
    label.htmlFor = "cfb-input";
    var input = el("input", "cfb-input");
    input.id = "cfb-input";
    input.type = "text";
    input.autocomplete = "off";
    input.maxLength = 1000;
    input.setAttribute("aria-describedby", "cfb-notice");
    var send = el("button", "cfb-send", "Send");
    send.type = "submit";
    form.append(label, input, send);
    root.append(title, notice, log, status, form, tools);
    if (target) {
      target.appendChild(root);
    } else if (script && script.parentNode && script.parentNode !== document.head) {
      script.parentNode.insertBefore(root, script.nextSibling);
    } else {
      document.body.appendChild(root);
    }

    var sessionId = readStore(STORE_SESSION, null);
    var history = readStore(STORE_HISTORY, []);
    if (!Array.isArray(history)) history = [];

    function scrollDown() {
      log.scrollTop = log.scrollHeight;
    }

    function renderMessage(entry) {
      var who = entry.from === "user" ? "user" : "bot";
      var bubble = el("div", "cfb-msg cfb-" + who);
      bubble.appendChild(el("span", "cfb-sr", who === "user" ? "You: " : "Assistant: "));
      bubble.appendChild(document.createTextNode(String(entry.text || "")));
      log.appendChild(bubble);
    }

    function clearChoices() {
      var groups = log.querySelectorAll(".cfb-choices");
      for (var i = 0; i < groups.length; i++) groups[i].remove();
    }

    function renderChoices(choices) {
      clearChoices();
      if (!choices || !choices.length) return;
      var group = el("div", "cfb-choices");
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", "Choices");
      choices.forEach(function (choice) {
        var button = el("button", "cfb-choice", String(choice.title || ""));
        button.type = "button";
        button.addEventListener("click", function () {
          userSays(String(choice.title || ""), String(choice.payload || choice.title || ""));
        });
        group.appendChild(button);
      });
      log.appendChild(group);
    }

    function remember(entry) {
      history.push(entry);
      if (history.length > MAX_HISTORY) history = history.slice(-MAX_HISTORY);
      writeStore(STORE_HISTORY, history);
    }

    // Clearing the conversation: 1 = "/forget_me" sent, waiting for the question;
    // 2 = "/affirm" sent, waiting for the bot's "done".
    var clearing = 0;

    function forgetLocally() {
      history = [];
      try {
        window.localStorage.removeItem(STORE_HISTORY);
      } catch (e) {
        /* nothing stored */
      }
      log.textContent = "";
    }

    function botSays(message) {
      if (!message) return;
      if (clearing === 1) {
        var asks = (message.buttons || message.quick_replies || []).some(function (b) { return b.payload === "/affirm"; });
        if (asks) {
          clearing = 2;
          socket.emit("user_uttered", { message: "/affirm", session_id: sessionId });
          return;
        }
        clearing = 0;
      } else if (clearing === 2) {
        clearing = 0;
        forgetLocally();
        setStatus("This chat was deleted.");
      }
      var choices = (message.quick_replies || message.buttons || []).map(function (c) {
        return { title: c.title, payload: c.payload };
      });
      var text = message.text;
      if (!text && message.attachment) text = "(This message can't be shown here.)";
      if (text) {
        var entry = { from: "bot", text: String(text) };
        if (choices.length) entry.choices = choices;
        renderMessage(entry);
        remember(entry);
      }
      if (choices.length) renderChoices(choices);
      if (text && message.metadata && message.metadata.answer) renderFeedback();
      scrollDown();
    }

    // "Was this helpful?" under the latest knowledge-base answer (the server marks them with
    // metadata.answer, where rasa-webchat also expects extras; SMS never asks).
    function clearFeedback() {
      var groups = log.querySelectorAll(".cfb-feedback");
      for (var i = 0; i < groups.length; i++) groups[i].remove();
    }

    function renderFeedback() {
      clearFeedback();
      var group = el("div", "cfb-feedback");
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", "Was this answer helpful?");
      group.appendChild(el("span", null, "Was this helpful?"));
      [["Yes", true, "Yes, it helped"], ["No", false, "No, it did not help"]].forEach(function (option) {
        var button = el("button", "cfb-choice cfb-helpful-" + (option[1] ? "yes" : "no"), option[0]);
        button.type = "button";
        button.setAttribute("aria-label", option[2]);
        button.addEventListener("click", function () {
          clearFeedback();
          userSays(option[2], "/feedback" + JSON.stringify({ helpful: option[1] }));
        });
        group.appendChild(button);
      });
      log.appendChild(group);
    }

    // History first, so that a reload shows the conversation at once.
    history.forEach(function (entry) {
      renderMessage(entry);
    });
    var last = history[history.length - 1];
    if (last && last.from === "bot" && last.choices) renderChoices(last.choices);
    scrollDown();

    var socket = window.io(config.socketUrl, { path: config.socketPath || "/socket.io", transports: ["websocket", "polling"] });
    var ready = false;

    function setStatus(text) {
      status.textContent = text;
    }

    function userSays(shown, payload) {
      if (!ready) {
        setStatus("Not connected yet. Please try again in a moment.");
        return;
      }
      clearChoices();
      clearFeedback();
      var entry = { from: "user", text: shown };
      renderMessage(entry);
      remember(entry);
      scrollDown();
      socket.emit("user_uttered", { message: payload, session_id: sessionId });
      input.focus();
    }

    socket.on("connect", function () {
      socket.emit("session_request", { session_id: sessionId });
    });
    socket.on("session_confirm", function (confirmed) {
      var id = typeof confirmed === "object" && confirmed ? confirmed.session_id : confirmed;
      if (id !== sessionId) {
        // A new conversation: the old history belongs to another session.
        sessionId = id;
        writeStore(STORE_SESSION, sessionId);
        history = [];
        writeStore(STORE_HISTORY, history);
        log.textContent = "";
      }
      ready = true;
      setStatus("");
    });
    socket.on("bot_uttered", botSays);
    socket.on("disconnect", function () {
      ready = false;
      setStatus("Connection lost. Trying again...");
    });
    socket.on("connect_error", function () {
      ready = false;
      setStatus("Can't reach the assistant right now. Please call " + config.clinicPhone + ".");
    });

    function confirmClear() {
      clearChoices();
      var group = el("div", "cfb-choices");
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", "Delete this chat?");
      var question = el("div", "cfb-msg cfb-bot", "Delete this chat from the clinic and from this browser? This can't be undone.");
      var yes = el("button", "cfb-choice", "Yes, delete it");
      yes.type = "button";
      yes.id = "cfb-clear-yes";
      var no = el("button", "cfb-choice", "No, keep it");
      no.type = "button";
      yes.addEventListener("click", function () {
        question.remove();
        group.remove();
        if (!ready) {
          setStatus("Not connected yet. Please try again in a moment.");
          return;
        }
        clearing = 1;
        setStatus("Deleting this chat...");
        socket.emit("user_uttered", { message: "/forget_me", session_id: sessionId });
        input.focus();
      });
      no.addEventListener("click", function () {
        question.remove();
        group.remove();
        clear.focus();
      });
      group.append(yes, no);
      log.append(question, group);
      scrollDown();
      yes.focus();
    }

    clear.addEventListener("click", confirmClear);
    privacy.addEventListener("click", function () {
      if (!ready) {
        setStatus("Not connected yet. Please try again in a moment.");
        return;
      }
      socket.emit("user_uttered", { message: "/privacy_note", session_id: sessionId });
    });

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      // A typed "/intent" would bypass NLU: typed text is always just text.
      var text = input.value.trim().replace(/^\/+/, "");
      if (!text) return;
      input.value = "";
      userSays(text, text);
    });
  }

  var configReady = window.CLINIC_BOT ? Promise.resolve() : loadScript(base + "/config.js");
  configReady
    .then(function () {
      return window.io ? null : loadScript(base + "/vendor/socket.io.min.js");
    })
    .then(function () {
      mount(window.CLINIC_BOT);
    })
    .catch(function (error) {
      if (window.console) window.console.error("clinic chat:", error);
    });
})();
