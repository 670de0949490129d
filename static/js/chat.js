/*
 * The live chat (protocol: docs/chat.md, docs/realtime.md): the "Messages" badge on every page,
 * the live room list and a room page.
 *
 * A room page holds `lastSeq`, the highest message number it shows with none missing before it.
 * A message numbered lastSeq + 1 is appended; one already shown is dropped (or replaces the
 * pending copy with the same client id); a gap asks for the history after lastSeq. The states
 * sent on every (re)subscription and heartbeat say the room's last number and revision, so a
 * message or a change lost while the socket was down is fetched then. Messages being sent wait
 * in an outbox (kept in sessionStorage) and are sent again after a reconnect until acknowledged:
 * the server stores a client id once.
 */
(function () {
  "use strict";

  const socket = window.platformSocket;
  if (!socket || document.body.dataset.signedIn !== "true") return;

  // Room streams the badge follows to count new messages live (the `chat` stream's state,
  // renewed with each heartbeat, corrects the counts of the others).
  const BADGE_ROOM_STREAMS = 40;
  const TYPING_EVERY_MS = 3000;
  const plurals = new Intl.PluralRules(document.documentElement.lang || "fr");

  function pick(count, one, many) {
    return plurals.select(count) === "one" ? one : many;
  }

  function format(text, values) {
    return String(text).replace(/%\((\w+)\)s/g, function (_m, name) {
      return name in values ? String(values[name]) : "";
    });
  }

  function newClientId() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    const bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.from(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  }

  // --- The badge and the room list -----------------------------------------------------------

  const badge = document.querySelector("[data-chat-badge]");
  const roomList = document.querySelector("[data-chat-rooms]");
  const roomPage = document.querySelector("[data-chat-room]");
  const inbox = {}; // room id -> {seq, read, muted}
  const badgeStreams = new Set();
  let refetchTimer = null;

  function unreadOf(state) {
    return state.muted ? 0 : Math.max(0, (state.seq || 0) - (state.read || 0));
  }

  function labelFor(count) {
    if (!badge) return "";
    return pick(count, badge.dataset.one, badge.dataset.many).replace("%s", count);
  }

  function showInbox() {
    let total = 0;
    Object.keys(inbox).forEach(function (id) { total += unreadOf(inbox[id]); });
    if (badge) {
      badge.textContent = total ? String(total) : "";
      badge.classList.toggle("is-empty", !total);
      badge.setAttribute("aria-label", labelFor(total));
    }
    if (!roomList) return;
    Object.keys(inbox).forEach(function (id) {
      const row = roomList.querySelector('[data-room-row="' + id + '"]');
      if (!row) return;
      const count = Math.max(0, (inbox[id].seq || 0) - (inbox[id].read || 0));
      const cell = row.querySelector("[data-room-unread]");
      if (cell) {
        cell.textContent = String(count);
        cell.classList.toggle("is-empty", !count);
        cell.setAttribute("aria-label", labelFor(count));
      }
      row.classList.toggle("is-unread", Boolean(count) && !inbox[id].muted);
    });
  }

  function refetchRows() {
    if (!roomList) return;
    clearTimeout(refetchTimer);
    refetchTimer = setTimeout(function () {
      fetch(roomList.dataset.rowsUrl, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) throw new Error(String(response.status));
          return response.text();
        })
        .then(function (html) {
          roomList.innerHTML = html;
          showInbox();
        })
        .catch(function () {});
    }, 300);
  }

  function followForBadge(id) {
    const stream = "room:" + id;
    if (badgeStreams.has(stream)) return;
    badgeStreams.add(stream);
    socket.subscribe(
      stream,
      function (event, data) {
        const state = inbox[id];
        if (!state || event !== "message" || typeof data.seq !== "number") return;
        state.seq = Math.max(state.seq || 0, data.seq);
        // Writing in a room reads it up to there (the server moves the marker too).
        if (data.sender && data.sender.id === socket.user) state.read = Math.max(state.read || 0, data.seq);
        showInbox();
      },
      function (state) {
        if (!inbox[id] || typeof state.seq !== "number") return;
        inbox[id].seq = state.seq;
        if (typeof state.read === "number") inbox[id].read = state.read;
        showInbox();
      },
      function () { badgeStreams.delete(stream); }
    );
  }

  function takeInbox(state) {
    const rooms = state.rooms || {};
    let unknown = false;
    Object.keys(inbox).forEach(function (id) { if (!(id in rooms)) { delete inbox[id]; unknown = true; } });
    Object.keys(rooms).forEach(function (id) {
      if (!(id in inbox)) unknown = true;
      inbox[id] = { seq: rooms[id].seq, read: rooms[id].read, muted: rooms[id].muted };
    });
    if (roomList && (unknown || roomList.querySelectorAll("[data-room-row]").length !== Object.keys(rooms).length)) {
      refetchRows();
    }
    // The rooms with something unread first, then the most recent (higher ids).
    const ids = Object.keys(rooms).sort(function (a, b) {
      return unreadOf(rooms[b]) - unreadOf(rooms[a]) || Number(b) - Number(a);
    });
    ids.slice(0, BADGE_ROOM_STREAMS).forEach(followForBadge);
    showInbox();
  }

  // --- A room --------------------------------------------------------------------------------

  function chatRoom(page) {
    const roomId = Number(page.dataset.chatRoom);
    const stream = "room:" + roomId;
    const me = Number(page.dataset.user);
    const canModerate = page.dataset.canModerate === "true";
    const settings = JSON.parse(document.getElementById("chat-settings").textContent);
    const strings = JSON.parse(document.getElementById("chat-strings").textContent);
    const list = page.querySelector("[data-messages]");
    const template = page.querySelector("[data-message-template]");
    const empty = page.querySelector("[data-empty]");
    const notice = page.querySelector("[data-chat-notice]");
    const typingBox = page.querySelector("[data-typing]");
    const presentList = page.querySelector("[data-present]");
    const older = page.querySelector("[data-older]");
    const form = page.querySelector("[data-composer]");
    const textarea = form.querySelector("textarea");
    const counter = form.querySelector("[data-counter]");
    const storageKey = "chat.outbox." + roomId;

    let lastSeq = Number(page.dataset.lastSeq);
    let firstSeq = Number(page.dataset.firstSeq);
    let revision = Number(page.dataset.revision);
    let seenRevision = revision;
    let fetchingAfter = false;
    let fetchAgain = false;
    let askingChanges = false;
    let loadingOlder = false;
    let readSent = lastSeq; // The page, as rendered, marked what it shows read.
    let readTimer = null;
    let lastTyping = 0;
    const typers = new Map(); // user id -> {name, until}
    let outbox = [];

    function say(text) {
      if (notice) notice.textContent = text || "";
    }

    function nearBottom() {
      return window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 160;
    }

    function scrollToEnd() {
      form.scrollIntoView({ block: "end" });
    }

    // --- Messages as elements ------------------------------------------------------------

    function timeText(iso) {
      const date = new Date(iso);
      if (isNaN(date.getTime())) return "";
      return date.toLocaleString(document.documentElement.lang || undefined, {
        day: "numeric", month: "short", hour: "2-digit", minute: "2-digit",
      });
    }

    function withinEditWindow(iso) {
      return Date.now() - new Date(iso).getTime() < settings.editWindowMinutes * 60000;
    }

    function build(data) {
      const li = template.content.firstElementChild.cloneNode(true);
      const mine = Boolean(data.sender && data.sender.id === me);
      li.id = "m" + data.seq;
      li.dataset.seq = String(data.seq);
      li.dataset.id = String(data.id);
      li.dataset.revision = String(data.revision);
      li.dataset.clientId = data.client_id || "";
      li.dataset.sender = data.sender ? String(data.sender.id) : "";
      li.classList.toggle("is-mine", mine);
      li.classList.toggle("is-deleted", Boolean(data.deleted));
      li.querySelectorAll("form[action], a[href]").forEach(function (element) {
        const attribute = element.tagName === "FORM" ? "action" : "href";
        const value = element.getAttribute(attribute);
        if (value) element.setAttribute(attribute, value.replace("/messages/0/", "/messages/" + data.id + "/"));
      });
      const sender = li.querySelector("[data-sender-link]");
      sender.textContent = data.sender ? data.sender.name : strings.formerMember;
      if (data.sender && data.sender.url) sender.setAttribute("href", data.sender.url);
      else sender.removeAttribute("href");
      const time = li.querySelector("time");
      time.setAttribute("datetime", data.created_at);
      time.textContent = timeText(data.created_at);
      li.querySelector("[data-edited]").hidden = !data.edited || data.deleted;
      const body = li.querySelector("[data-body]");
      if (data.deleted) {
        body.classList.add("chat-deleted");
        const p = document.createElement("p");
        p.textContent = strings.deleted;
        body.appendChild(p);
        li.querySelector("[data-reactions]").remove();
        li.querySelector(".chat-actions").remove();
        return li;
      }
      // The one place HTML is inserted: the message as rendered and sanitised by the server.
      body.innerHTML = data.html;
      const reactions = li.querySelector("[data-reactions]");
      const menu = reactions.querySelector(".chat-react-menu");
      reactions.querySelectorAll("[data-choice]").forEach(function (choice) {
        const code = choice.dataset.react;
        const users = (data.reactions || {})[code] || [];
        const pressed = users.indexOf(me) !== -1;
        choice.setAttribute("aria-pressed", pressed ? "true" : "false");
        choice.value = code + ":" + (pressed ? "0" : "1");
        if (users.length) {
          const shown = choice.cloneNode(true);
          delete shown.dataset.choice;
          const count = document.createElement("span");
          count.dataset.count = "";
          count.textContent = String(users.length);
          shown.append(" ", count);
          shown.setAttribute("aria-label", choice.getAttribute("aria-label") + " (" + users.length + ")");
          reactions.insertBefore(shown, menu);
        }
      });
      const edit = li.querySelector("[data-edit]");
      if (!(mine && withinEditWindow(data.created_at))) edit.remove();
      if (!(mine || canModerate)) li.querySelector("[data-delete]").remove();
      if (mine) li.querySelector("[data-report]").remove();
      const moderate = li.querySelector("[data-moderate]");
      if (moderate) {
        if (mine || !data.sender) {
          moderate.remove();
        } else {
          moderate.querySelector("[data-mute-user]").value = String(data.sender.id);
          const select = moderate.querySelector("[data-mute-select]");
          select.id = "mute-" + data.id;
          moderate.querySelector("[data-mute-label]").setAttribute("for", select.id);
        }
      }
      return li;
    }

    function confirmedAfter(seq) {
      const items = list.querySelectorAll("li[data-seq]:not([data-pending])");
      for (let i = 0; i < items.length; i += 1) {
        if (Number(items[i].dataset.seq) > seq) return items[i];
      }
      return list.querySelector("li[data-pending]");
    }

    function findPending(clientId) {
      return Array.from(list.querySelectorAll("li[data-pending]")).find(function (li) {
        return li.dataset.clientId === clientId;
      });
    }

    // Put a message in its place (by number), or refresh it when this copy is newer. `insert`
    // false: only refresh a message shown (a change to one older than the page is not shown).
    function place(data, insert) {
      const existing = list.querySelector('li[data-seq="' + data.seq + '"]:not([data-pending])');
      if (existing) {
        if (data.revision > Number(existing.dataset.revision)) {
          const focused = document.activeElement && existing.contains(document.activeElement)
            ? document.activeElement.dataset.react : null;
          const fresh = build(data);
          existing.replaceWith(fresh);
          if (focused) {
            const again = fresh.querySelector('[data-react="' + focused + '"]:not([data-choice])') ||
              fresh.querySelector('[data-react="' + focused + '"]');
            if (again) again.focus();
          }
        }
        return;
      }
      if (insert === false) return;
      if (data.sender && data.sender.id === me && data.client_id) {
        const pending = findPending(data.client_id);
        if (pending) pending.remove();
        dropFromOutbox(data.client_id);
      }
      const stick = nearBottom() || (data.sender && data.sender.id === me);
      list.insertBefore(build(data), confirmedAfter(data.seq));
      if (empty) empty.hidden = true;
      if (stick) scrollToEnd();
    }

    function noteRevision(value) {
      if (typeof value !== "number") return;
      seenRevision = Math.max(seenRevision, value);
      if (value === revision + 1) revision = value;
    }

    // --- Catching up ---------------------------------------------------------------------

    function fetchAfter() {
      if (fetchingAfter) { fetchAgain = true; return; }
      fetchingAfter = true;
      socket.request({ op: "history", room: roomId, after: lastSeq })
        .catch(function () {})
        .then(function () {
          fetchingAfter = false;
          if (fetchAgain) { fetchAgain = false; fetchAfter(); }
        });
    }

    function askChanges() {
      if (askingChanges || seenRevision <= revision) return;
      askingChanges = true;
      const target = seenRevision;
      socket.request({ op: "changes", room: roomId, since: revision, up_to: lastSeq })
        .then(function (frame) {
          if (!frame.more) revision = Math.max(revision, target);
          else revision = Math.max(revision, maxRevision(frame.messages));
        })
        .catch(function () {})
        .then(function () {
          askingChanges = false;
          if (seenRevision > revision) askChanges();
        });
    }

    function maxRevision(messages) {
      return (messages || []).reduce(function (max, m) { return Math.max(max, m.revision); }, revision);
    }

    function takeMessages(frame) {
      const messages = frame.messages || [];
      if (frame.direction === "before") return prependOlder(frame);
      messages.forEach(function (data) {
        if (frame.direction === "changes") {
          if (data.seq <= lastSeq) place(data, false);
          return;
        }
        place(data);
        if (data.seq > lastSeq) lastSeq = data.seq;
        seenRevision = Math.max(seenRevision, data.revision);
      });
      if (frame.direction === "after") {
        if (frame.more) fetchAfter();
        else if (seenRevision > revision) askChanges();
        scheduleRead();
      }
    }

    function prependOlder(frame) {
      loadingOlder = false;
      const messages = frame.messages || [];
      const before = document.documentElement.scrollHeight;
      const first = list.querySelector("li[data-seq]");
      messages.forEach(function (data) {
        if (!list.querySelector('li[data-seq="' + data.seq + '"]:not([data-pending])')) {
          list.insertBefore(build(data), first);
        }
      });
      if (messages.length) {
        firstSeq = messages[0].seq;
        if (empty) empty.hidden = true;
      }
      window.scrollBy(0, document.documentElement.scrollHeight - before);
      if (older) {
        older.hidden = !frame.more;
        const link = older.querySelector("a");
        link.setAttribute("href", link.getAttribute("href").replace(/before=\d+/, "before=" + firstSeq));
      }
    }

    // --- Reading ----------------------------------------------------------------------------

    function scheduleRead() {
      clearTimeout(readTimer);
      readTimer = setTimeout(markRead, 700);
    }

    function markRead() {
      if (document.visibilityState !== "visible" || lastSeq <= readSent) return;
      const last = list.querySelector('li[data-seq="' + lastSeq + '"]');
      if (last && last.getBoundingClientRect().top > window.innerHeight) return; // Not seen yet.
      if (socket.send({ op: "read", room: roomId, seq: lastSeq })) readSent = lastSeq;
    }

    document.addEventListener("visibilitychange", scheduleRead);
    window.addEventListener("scroll", scheduleRead, { passive: true });

    // --- Typing and presence ----------------------------------------------------------------

    function showTyping() {
      const now = Date.now();
      typers.forEach(function (value, key) { if (value.until <= now) typers.delete(key); });
      const names = Array.from(typers.values()).map(function (value) { return value.name; });
      let text = "";
      if (names.length === 1) text = format(strings.typingOne, { name: names[0] });
      else if (names.length === 2) text = format(strings.typingTwo, { first: names[0], second: names[1] });
      else if (names.length > 2) text = strings.typingMany;
      if (typingBox.textContent !== text) typingBox.textContent = text;
    }

    function showPresent(people, count) {
      if (!presentList || !Array.isArray(people)) return;
      const others = people.filter(function (person) { return person.id !== me; });
      // Large rooms name the first ones only; the rest are counted.
      const unnamed = typeof count === "number" ? Math.max(0, count - people.length) : 0;
      presentList.replaceChildren();
      if (!others.length) {
        const li = document.createElement("li");
        li.className = "empty";
        li.textContent = strings.nobody;
        presentList.appendChild(li);
      }
      others.forEach(function (person) {
        const li = document.createElement("li");
        li.textContent = person.name;
        presentList.appendChild(li);
      });
      if (unnamed) {
        const li = document.createElement("li");
        li.textContent = "+" + unnamed;
        presentList.appendChild(li);
      }
    }

    // --- Sending: the outbox ----------------------------------------------------------------

    function saveOutbox() {
      try {
        const kept = outbox.map(function (item) {
          return { client_id: item.client_id, body: item.body, failed: item.failed || "" };
        });
        if (kept.length) sessionStorage.setItem(storageKey, JSON.stringify(kept));
        else sessionStorage.removeItem(storageKey);
      } catch (error) { /* Storage full or disabled: the outbox lives in memory only. */ }
    }

    function dropFromOutbox(clientId) {
      const before = outbox.length;
      outbox = outbox.filter(function (item) { return item.client_id !== clientId; });
      if (outbox.length !== before) saveOutbox();
    }

    function pendingElement(item) {
      let li = findPending(item.client_id);
      if (!li) {
        li = document.createElement("li");
        li.className = "chat-msg is-mine is-pending";
        li.dataset.pending = "";
        li.dataset.clientId = item.client_id;
        const head = document.createElement("p");
        head.className = "chat-msg-head";
        const name = document.createElement("span");
        name.className = "chat-sender";
        name.textContent = page.dataset.userName;
        const state = document.createElement("span");
        state.className = "chat-state";
        state.dataset.state = "";
        head.append(name, " ", state);
        const body = document.createElement("div");
        body.className = "chat-body chat-pending-body";
        body.textContent = item.body;
        li.append(head, body);
        list.appendChild(li);
        if (empty) empty.hidden = true;
      }
      const state = li.querySelector("[data-state]");
      state.replaceChildren();
      li.classList.toggle("is-failed", Boolean(item.failed));
      if (item.failed) {
        state.append(format(strings.failed, { reason: item.failed }), " ");
        const retry = document.createElement("button");
        retry.type = "button";
        retry.className = "link-button";
        retry.dataset.retry = item.client_id;
        retry.textContent = strings.retry;
        const discard = document.createElement("button");
        discard.type = "button";
        discard.className = "link-button";
        discard.dataset.discard = item.client_id;
        discard.textContent = strings.discard;
        state.append(retry, " ", discard);
      } else {
        state.textContent = item.acked ? strings.sent : strings.pending;
      }
      return li;
    }

    function flush() {
      outbox.forEach(function (item) {
        if (item.failed || item.inFlight || item.acked || !socket.isOpen()) return;
        item.inFlight = true;
        socket.request({ op: "send", room: roomId, client_id: item.client_id, body: item.body })
          .then(function (ack) {
            item.inFlight = false;
            item.acked = true;
            dropFromOutbox(item.client_id);
            if (ack.seq <= lastSeq) {
              const pending = findPending(item.client_id);
              if (pending) pending.remove();
            } else {
              pendingElement(item);
              // The message event should be on its way; fetch it if it is not.
              setTimeout(function () { if (ack.seq > lastSeq) fetchAfter(); }, 1500);
            }
          })
          .catch(function (error) {
            item.inFlight = false;
            if (error.code === "disconnected") return; // Sent again once reconnected.
            if (error.code === "rate_limited") {
              setTimeout(flush, 1500);
              return;
            }
            item.failed = error.message || strings.error;
            saveOutbox();
            pendingElement(item);
          });
      });
    }

    function queue(text) {
      const item = { client_id: newClientId(), body: text, failed: "" };
      outbox.push(item);
      saveOutbox();
      pendingElement(item);
      scrollToEnd();
      flush();
    }

    function restoreOutbox() {
      let kept = [];
      try { kept = JSON.parse(sessionStorage.getItem(storageKey) || "[]"); } catch (error) { kept = []; }
      if (!Array.isArray(kept)) kept = [];
      outbox = kept.filter(function (item) { return item && typeof item.client_id === "string" && typeof item.body === "string"; })
        .map(function (item) { return { client_id: item.client_id, body: item.body, failed: item.failed || "" }; });
      // Sent before the reload and already shown: nothing more to do for those.
      outbox = outbox.filter(function (item) {
        const shown = Array.from(list.querySelectorAll("li[data-seq]")).some(function (li) {
          return li.dataset.clientId === item.client_id && Number(li.dataset.sender) === me;
        });
        return !shown;
      });
      saveOutbox();
      outbox.forEach(pendingElement);
    }

    // --- Composer -----------------------------------------------------------------------------

    function updateCounter() {
      const count = textarea.value.length;
      counter.textContent = count + " / " + settings.maxChars;
      counter.classList.toggle("error", count > settings.maxChars);
    }

    // On a phone (a coarse pointer, no Shift key at hand) Enter makes a new line and the Send
    // button sends; with a keyboard, Enter sends and Shift+Enter makes a new line.
    const enterSends = !window.matchMedia("(pointer: coarse)").matches;
    textarea.addEventListener("keydown", function (event) {
      if (enterSends && event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        form.requestSubmit();
      }
    });

    textarea.addEventListener("input", function () {
      updateCounter();
      const now = Date.now();
      if (textarea.value.trim() && now - lastTyping >= TYPING_EVERY_MS) {
        lastTyping = now;
        socket.send({ op: "typing", room: roomId });
      }
    });

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      const text = textarea.value;
      if (!text.trim()) return;
      textarea.value = "";
      updateCounter();
      lastTyping = 0;
      queue(text);
      textarea.focus();
    });

    // --- Actions on messages -----------------------------------------------------------------

    function act(frame) {
      say("");
      return socket.request(frame).catch(function (error) {
        say(error.code === "disconnected" ? strings.offline : (error.message || strings.error));
        throw error;
      });
    }

    list.addEventListener("click", function (event) {
      const target = event.target.closest("button, a");
      if (!target || !list.contains(target)) return;
      const li = target.closest("li.chat-msg");
      if (target.dataset.retry) {
        const item = outbox.find(function (entry) { return entry.client_id === target.dataset.retry; });
        if (item) { item.failed = ""; saveOutbox(); pendingElement(item); flush(); }
        return;
      }
      if (target.dataset.discard) {
        dropFromOutbox(target.dataset.discard);
        const pending = findPending(target.dataset.discard);
        if (pending) pending.remove();
        return;
      }
      if (!socket.isOpen() || !li || !li.dataset.id) return; // The form posts instead.
      if (target.dataset.react) {
        event.preventDefault();
        const on = target.getAttribute("aria-pressed") !== "true";
        const menu = target.closest("details");
        if (menu) menu.open = false;
        act({ op: "react", message: Number(li.dataset.id), emoji: target.dataset.react, on: on }).catch(function () {});
      } else if (target.hasAttribute("data-edit")) {
        event.preventDefault();
        startEdit(li, target.getAttribute("href"));
      }
    });

    list.addEventListener("submit", function (event) {
      const formElement = event.target;
      if (!formElement.hasAttribute("data-delete")) return;
      if (!window.confirm(strings.confirmDelete)) {
        event.preventDefault();
        return;
      }
      const li = formElement.closest("li.chat-msg");
      if (!socket.isOpen() || !li || !li.dataset.id) return; // Post the form.
      event.preventDefault();
      act({ op: "delete", message: Number(li.dataset.id) }).catch(function () {});
    });

    function startEdit(li, url) {
      if (li.querySelector("[data-edit-form]")) return;
      // The message's Markdown source is on its edit page (events carry only the HTML).
      fetch(url, { credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) throw new Error(String(response.status));
          return response.text();
        })
        .then(function (html) {
          const doc = new DOMParser().parseFromString(html, "text/html");
          const source = doc.querySelector("textarea[name=body]");
          if (!source) throw new Error("no form");
          showEditForm(li, source.value);
        })
        .catch(function () { window.location.href = url; });
    }

    function showEditForm(li, text) {
      const body = li.querySelector("[data-body]");
      const editor = document.createElement("form");
      editor.dataset.editForm = "";
      editor.className = "chat-edit";
      const id = "edit-" + li.dataset.id;
      const label = document.createElement("label");
      label.setAttribute("for", id);
      label.textContent = strings.editLabel;
      const area = document.createElement("textarea");
      area.id = id;
      area.rows = 3;
      area.maxLength = settings.maxChars;
      area.value = text;
      const save = document.createElement("button");
      save.type = "submit";
      save.className = "button button-small";
      save.textContent = strings.save;
      const cancel = document.createElement("button");
      cancel.type = "button";
      cancel.className = "button-secondary button-small";
      cancel.textContent = strings.cancel;
      const error = document.createElement("p");
      error.className = "error";
      error.setAttribute("role", "alert");
      const row = document.createElement("div");
      row.className = "actions";
      row.append(save, cancel);
      editor.append(label, area, row, error);
      body.hidden = true;
      body.after(editor);
      area.focus();
      function close() {
        editor.remove();
        body.hidden = false;
      }
      cancel.addEventListener("click", close);
      area.addEventListener("keydown", function (event) {
        if (event.key === "Escape") close();
        if (enterSends && event.key === "Enter" && !event.shiftKey && !event.isComposing) {
          event.preventDefault();
          editor.requestSubmit();
        }
      });
      editor.addEventListener("submit", function (event) {
        event.preventDefault();
        error.textContent = "";
        socket.request({ op: "edit", message: Number(li.dataset.id), body: area.value })
          .then(function () { if (editor.isConnected) close(); })
          .catch(function (failure) {
            error.textContent = failure.code === "disconnected" ? strings.offline : (failure.message || strings.error);
          });
      });
    }

    if (older) {
      older.querySelector("a").addEventListener("click", function (event) {
        if (!socket.isOpen()) return;
        event.preventDefault();
        if (loadingOlder) return;
        loadingOlder = true;
        socket.request({ op: "history", room: roomId, before: firstSeq }).catch(function () {
          loadingOlder = false;
        });
      });
    }

    page.querySelectorAll("form[data-confirm]").forEach(function (confirmForm) {
      confirmForm.addEventListener("submit", function (event) {
        if (!window.confirm(confirmForm.dataset.confirm)) event.preventDefault();
      });
    });

    // --- The stream -------------------------------------------------------------------------

    socket.onFrame(function (frame) {
      if (frame.type === "messages" && frame.room === roomId) takeMessages(frame);
    });
    socket.onOpen(flush);

    socket.subscribe(
      stream,
      function (event, data) {
        switch (event) {
          case "message":
            if (data.room !== roomId) return;
            noteRevision(data.revision);
            if (data.seq <= lastSeq) {
              // Already shown: a copy, or a newer one.
              place(data, false);
              const pending = data.client_id && data.sender && data.sender.id === me ? findPending(data.client_id) : null;
              if (pending) pending.remove();
            } else if (data.seq === lastSeq + 1) {
              place(data);
              lastSeq = data.seq;
              scheduleRead();
            } else {
              fetchAfter(); // Something was missed before it.
            }
            typers.delete(data.sender ? data.sender.id : null);
            showTyping();
            break;
          case "message.changed":
            noteRevision(data.revision);
            if (data.seq <= lastSeq) place(data, false);
            if (seenRevision > revision + 1) askChanges();
            break;
          case "typing":
            if (!data.user || data.user.id === me) return;
            typers.set(data.user.id, { name: data.user.name, until: Date.now() + (data.seconds || 6) * 1000 });
            showTyping();
            setTimeout(showTyping, (data.seconds || 6) * 1000 + 50);
            break;
          case "presence":
            showPresent(data.present, data.present_count);
            break;
          case "room.changed":
            // Members changed, or the room was frozen after a concern: the page says how now.
            if (data.room === roomId) say(strings.roomChanged);
            break;
          default:
            break;
        }
      },
      function (state) {
        if (typeof state.seq === "number" && state.seq > lastSeq) fetchAfter();
        if (typeof state.revision === "number") {
          seenRevision = Math.max(seenRevision, state.revision);
          if (state.seq <= lastSeq) askChanges();
        }
        if (state.present) showPresent(state.present, state.present_count);
        // Only an open room page says "I am here" (after subscribing and at each heartbeat);
        // the navigation's badge follows rooms without being present in them.
        socket.send({ op: "here", room: roomId });
        scheduleRead();
      },
      function () {
        say(strings.lost);
        form.querySelectorAll("textarea, button").forEach(function (el) { el.disabled = true; });
      },
      { params: function () { return { after: lastSeq }; } }
    );

    restoreOutbox();
    updateCounter();
    if (location.hash === "") scrollToEnd();
    setInterval(showTyping, 1000);
  }

  // Order matters: the room page subscribes to its stream first, with `after`.
  if (roomPage && roomPage.dataset.archive !== "true") chatRoom(roomPage);

  socket.subscribe(
    "chat",
    function (event, data) {
      if (event === "room.read" && inbox[data.room]) {
        inbox[data.room].read = Math.max(inbox[data.room].read || 0, data.read);
        showInbox();
      } else if (event === "rooms.changed") {
        socket.send({ op: "subscribe", stream: "chat" }); // Its state again, with the change.
      }
    },
    takeInbox
  );
})();
