/*
 * The page's one websocket (protocol: docs/realtime.md).
 *
 * window.platformSocket.subscribe(stream, onEvent, onState) follows a stream; the server's
 * `subscribed` and `pong` frames carry the stream's state, which corrects the page after a
 * reconnect (e.g. the unread badge). Reconnects with capped, jittered backoff.
 */
(function () {
  "use strict";

  const body = document.body;
  const statusBox = document.querySelector("[data-socket-status]");
  const handlers = new Map(); // stream -> [{onEvent, onState}, …]
  let socket = null;
  let attempts = 0;
  let heartbeat = null;
  let heartbeatSeconds = 25;
  let closedForGood = false;
  let nextRef = 1;
  const pending = new Map(); // subscribe ref -> stream, to forget streams refused to us

  // Singular or plural as the page's language counts (in French, 0 and 1 are singular).
  const plurals = new Intl.PluralRules(document.documentElement.lang || "fr");
  function pick(count, one, many) {
    return plurals.select(count) === "one" ? one : many;
  }

  function say(text) {
    if (statusBox) statusBox.textContent = text || "";
  }

  function send(frame) {
    if (socket && socket.readyState === WebSocket.OPEN) {
      frame.ref = String(nextRef++);
      if (frame.op === "subscribe") pending.set(frame.ref, frame.stream);
      socket.send(JSON.stringify(frame));
    }
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + (body.dataset.socketUrl || "/ws/"));
    socket.addEventListener("open", function () {
      if (attempts > 0) say("");
      attempts = 0;
      handlers.forEach(function (_value, stream) { send({ op: "subscribe", stream: stream }); });
    });
    socket.addEventListener("message", function (message) {
      let frame;
      try { frame = JSON.parse(message.data); } catch (error) { return; }
      const listeners = handlers.get(frame.stream) || [];
      switch (frame.type) {
        case "hello":
          heartbeatSeconds = frame.heartbeat || heartbeatSeconds;
          clearInterval(heartbeat);
          heartbeat = setInterval(function () { send({ op: "ping" }); }, heartbeatSeconds * 1000);
          break;
        case "subscribed":
          pending.delete(frame.ref);
          listeners.forEach(function (h) { if (h.onState) h.onState(frame.state || {}, "subscribed"); });
          break;
        case "pong":
          Object.keys(frame.streams || {}).forEach(function (stream) {
            (handlers.get(stream) || []).forEach(function (h) {
              if (h.onState) h.onState(frame.streams[stream], "pong");
            });
          });
          break;
        case "event":
          listeners.forEach(function (h) {
            if (h.onEvent) h.onEvent(frame.event, frame.data || {});
          });
          break;
        case "unsubscribed":
          // Access lost (removed from a space, space made private): stop asking for it.
          if (frame.reason === "forbidden") {
            listeners.forEach(function (h) { if (h.onLost) h.onLost(); });
            handlers.delete(frame.stream);
          }
          break;
        case "error":
          if (frame.code === "forbidden" && pending.has(frame.ref)) {
            const stream = pending.get(frame.ref);
            (handlers.get(stream) || []).forEach(function (h) { if (h.onLost) h.onLost(); });
            handlers.delete(stream);
          }
          break;
        case "closed":
          closedForGood = true;
          break;
        default:
          break;
      }
    });
    socket.addEventListener("close", function (event) {
      clearInterval(heartbeat);
      if (closedForGood || event.code === 4001) return; // Signed out: do not come back.
      attempts += 1;
      if (attempts > 1) say(body.dataset.reconnecting || "…");
      const delay = Math.min(30000, 500 * Math.pow(2, attempts)) * (0.5 + Math.random() / 2);
      setTimeout(connect, delay);
    });
  }

  window.platformSocket = {
    // Several parts of a page may follow one stream; each gets every frame of it. `onLost` is
    // called when the server refuses or drops the stream (access lost).
    subscribe: function (stream, onEvent, onState, onLost) {
      const listeners = handlers.get(stream);
      const listener = { onEvent: onEvent, onState: onState, onLost: onLost };
      if (listeners) {
        listeners.push(listener);
      } else {
        handlers.set(stream, [listener]);
        send({ op: "subscribe", stream: stream });
      }
    },
  };

  // The unread badge in the header, kept true by the notifications stream.
  function showUnread(count) {
    document.querySelectorAll("[data-unread-badge]").forEach(function (badge) {
      badge.textContent = String(count);
      badge.classList.toggle("is-empty", !count);
      const label = pick(count, body.dataset.unreadOne, body.dataset.unreadMany);
      if (label) badge.setAttribute("aria-label", label.replace("%s", count));
    });
  }

  if (body.dataset.signedIn === "true") {
    window.platformSocket.subscribe(
      "notifications",
      function (event, data) { if ("unread" in data) showUnread(data.unread); },
      function (state) { if ("unread" in state) showUnread(state.unread); }
    );
  }

  // A space page follows its member count.
  document.querySelectorAll("[data-stream^='space:']").forEach(function (element) {
    const counter = element.querySelector("[data-member-count]");
    const update = function (data) {
      if (counter && "member_count" in data) {
        const n = data.member_count;
        const text = pick(n, counter.dataset.one, counter.dataset.many);
        if (text) counter.textContent = text.replace("%s", n);
      }
    };
    window.platformSocket.subscribe(element.dataset.stream, function (_e, data) { update(data); }, update);
  });

  // The phone menu.
  const toggle = document.querySelector(".nav-toggle");
  const nav = document.getElementById("site-nav");
  if (toggle && nav) {
    toggle.addEventListener("click", function () {
      const open = nav.classList.toggle("is-open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  connect();
})();
