/*
 * The page's one websocket (protocol: docs/realtime.md).
 *
 * window.platformSocket.subscribe(stream, onEvent, onState) follows a stream; the server's
 * `subscribed` and `pong` frames carry the stream's state, which corrects the page after a
 * reconnect (e.g. the unread badge). Reconnects with capped, jittered backoff.
 *
 * For the chat (docs/chat.md): `request(frame)` returns a Promise settled by the answer with
 * the same ref (rejected with the error frame, or {code: "disconnected"}); `onFrame`, `onOpen`
 * and `onClose` listen to every frame, open and close; `status` is "connecting", "open",
 * "reconnecting" or "closed"; `user` is the id the server said hello with. Frames are paced
 * under the server's frame rate, and the socket is closed while the browser is offline.
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
  const params = new Map(); // stream -> function returning extra fields of its subscribe frame
  const requests = new Map(); // ref -> {resolve, reject}
  const frameListeners = [];
  const openListeners = [];
  const closeListeners = [];
  // Below the server's token bucket (10 frames a second, bursts of 30), so that a page following
  // many streams does not get `rate_limited` when it (re)subscribes to all of them at once.
  const outgoing = [];
  let tokens = 20;
  let lastRefill = Date.now();
  let drainTimer = null;
  let reconnectTimer = null;

  // Singular or plural as the page's language counts (in French, 0 and 1 are singular).
  const plurals = new Intl.PluralRules(document.documentElement.lang || "fr");
  function pick(count, one, many) {
    return plurals.select(count) === "one" ? one : many;
  }

  function say(text) {
    if (statusBox) statusBox.textContent = text || "";
  }

  function isOpen() {
    return Boolean(socket && socket.readyState === WebSocket.OPEN);
  }

  function drain() {
    drainTimer = null;
    const now = Date.now();
    tokens = Math.min(20, tokens + ((now - lastRefill) / 1000) * 8);
    lastRefill = now;
    while (outgoing.length && tokens >= 1 && isOpen()) {
      tokens -= 1;
      socket.send(outgoing.shift());
    }
    if (outgoing.length && isOpen()) drainTimer = setTimeout(drain, 130);
  }

  // Returns the frame's ref, or null when the socket is not open (the frame is dropped).
  function send(frame) {
    if (!isOpen()) return null;
    frame.ref = String(nextRef++);
    if (frame.op === "subscribe") pending.set(frame.ref, frame.stream);
    outgoing.push(JSON.stringify(frame));
    if (!drainTimer) drain();
    return frame.ref;
  }

  function subscribeFrame(stream) {
    const extra = params.has(stream) ? params.get(stream)() || {} : {};
    return Object.assign({}, extra, { op: "subscribe", stream: stream });
  }

  function setStatus(value) {
    window.platformSocket.status = value;
  }

  function settleAll(reason) {
    requests.forEach(function (request) { request.reject(reason); });
    requests.clear();
  }

  function connect() {
    clearTimeout(reconnectTimer);
    if (socket && socket.readyState <= WebSocket.OPEN) return; // Connecting or open already.
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + (body.dataset.socketUrl || "/ws/"));
    setStatus(attempts > 0 ? "reconnecting" : "connecting");
    socket.addEventListener("open", function () {
      if (attempts > 0) say("");
      attempts = 0;
      setStatus("open");
      handlers.forEach(function (_value, stream) { send(subscribeFrame(stream)); });
      openListeners.forEach(function (listener) { listener(); });
    });
    socket.addEventListener("message", function (message) {
      let frame;
      try { frame = JSON.parse(message.data); } catch (error) { return; }
      const listeners = handlers.get(frame.stream) || [];
      if (frame.ref != null && requests.has(frame.ref)) {
        const request = requests.get(frame.ref);
        requests.delete(frame.ref);
        if (frame.type === "error") request.reject(frame); else request.resolve(frame);
      }
      frameListeners.forEach(function (listener) { listener(frame); });
      switch (frame.type) {
        case "hello":
          window.platformSocket.user = frame.user;
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
      outgoing.length = 0;
      settleAll({ type: "error", code: "disconnected" });
      const forGood = closedForGood || event.code === 4001;
      setStatus(forGood ? "closed" : "reconnecting");
      closeListeners.forEach(function (listener) { listener(forGood); });
      if (forGood) return; // Signed out: do not come back.
      attempts += 1;
      if (!navigator.onLine) {
        // Offline: say so now, and connect again when the browser is back online.
        say(body.dataset.reconnecting || "…");
        return;
      }
      if (attempts > 1) say(body.dataset.reconnecting || "…");
      const delay = Math.min(30000, 500 * Math.pow(2, attempts)) * (0.5 + Math.random() / 2);
      reconnectTimer = setTimeout(connect, delay);
    });
  }

  // An open socket may outlive the network for a long while (and browsers' offline emulation
  // leaves websockets alone): close it when the browser goes offline, reconnect when it is back.
  window.addEventListener("offline", function () {
    if (socket && socket.readyState <= WebSocket.OPEN) socket.close();
  });
  window.addEventListener("online", function () {
    if (closedForGood) return;
    if (!socket || socket.readyState === WebSocket.CLOSED) connect();
  });

  window.platformSocket = {
    // Several parts of a page may follow one stream; each gets every frame of it. `onLost` is
    // called when the server refuses or drops the stream (access lost).
    // `options.params` returns extra fields for each subscribe frame of the stream, read at
    // every (re)subscription (the chat's `after`).
    subscribe: function (stream, onEvent, onState, onLost, options) {
      const listeners = handlers.get(stream);
      const listener = { onEvent: onEvent, onState: onState, onLost: onLost };
      if (options && options.params) params.set(stream, options.params);
      if (listeners) {
        listeners.push(listener);
      } else {
        handlers.set(stream, [listener]);
        send(subscribeFrame(stream));
      }
    },
    // Stop following a stream (every listener of it).
    unsubscribe: function (stream) {
      if (!handlers.has(stream)) return;
      handlers.delete(stream);
      params.delete(stream);
      send({ op: "unsubscribe", stream: stream });
    },
    isFollowing: function (stream) { return handlers.has(stream); },
    // A frame without waiting for its answer; false when the socket is not open.
    send: function (frame) { return send(frame) !== null; },
    // A frame whose answer (same ref) settles the Promise: resolved with it, rejected with an
    // error frame, or with {code: "disconnected"} when the socket is not open or closes first.
    request: function (frame) {
      return new Promise(function (resolve, reject) {
        const ref = send(frame);
        if (ref === null) {
          reject({ type: "error", code: "disconnected" });
          return;
        }
        requests.set(ref, { resolve: resolve, reject: reject });
      });
    },
    onFrame: function (listener) { frameListeners.push(listener); },
    onOpen: function (listener) { openListeners.push(listener); },
    onClose: function (listener) { closeListeners.push(listener); },
    isOpen: isOpen,
    status: "connecting",
    user: null,
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
