/*
 * The forum's live pages and its message composer (events: docs/forum.md).
 *
 * A topic page follows `topic:<id>`. Each event carries the topic's revision: the next one in
 * line is applied (a post fragment fetched and put in place, a count updated); a gap, or a
 * different revision in the state sent after a (re)subscription, refetches the whole topic
 * body. Fragments come from the server, rendered for this reader, so events never carry text.
 * A space's topic list follows `space:<id>` and refetches itself when a topic moves.
 */
(function () {
  "use strict";

  const socket = window.platformSocket;

  function fetchHtml(url) {
    return fetch(url, { headers: { "HX-Request": "true" }, credentials: "same-origin" }).then(
      function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.text();
      }
    );
  }

  function fromHtml(html) {
    const template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content.firstElementChild;
  }

  function activate(element) {
    if (window.htmx && element) window.htmx.process(element);
    return element;
  }

  // --- A topic page ------------------------------------------------------------------------

  function topicPage(page) {
    const notice = page.querySelector("[data-live-notice]");
    let revision = Number(page.querySelector("#topic-body").dataset.revision);
    let refetching = false;
    let seen = revision; // the highest revision an event announced

    function say(text) {
      if (notice) notice.textContent = text || "";
    }

    function refetch() {
      if (refetching) return;
      refetching = true;
      fetchHtml(page.dataset.bodyUrl)
        .then(function (html) {
          const fresh = fromHtml(html);
          const current = page.querySelector("#topic-body");
          current.replaceWith(fresh);
          activate(fresh);
          revision = Number(fresh.dataset.revision);
          refetching = false;
          if (seen > revision) refetch();
        })
        .catch(function (error) {
          refetching = false;
          if (error.message === "404") say(page.dataset.gone);
        });
    }

    function replacePost(postId, isNew) {
      const url = "/forum/p/" + postId + "/";
      return fetchHtml(url).then(function (html) {
        const fresh = activate(fromHtml(html));
        const existing = page.querySelector('[data-post="' + postId + '"]');
        if (existing) {
          existing.replaceWith(fresh);
        } else if (isNew) {
          const replies = page.querySelector("#replies");
          const empty = replies.querySelector("[data-no-replies]");
          if (empty) empty.remove();
          replies.appendChild(fresh);
          say(page.dataset.newReply);
        }
      });
    }

    function apply(event, data) {
      const replies = page.querySelector("#replies");
      switch (event) {
        case "post.created":
          // Shown in place only where it belongs: the last page of the list by date, or the
          // end of the list by votes (a new reply has no vote yet).
          if (replies && replies.dataset.lastPage === "true") {
            return replacePost(data.post, true);
          }
          say(page.dataset.newReply);
          return Promise.resolve();
        case "post.changed":
          if (page.querySelector('[data-post="' + data.post + '"]')) return replacePost(data.post);
          return Promise.resolve();
        case "post.voted":
          page.querySelectorAll('[data-post="' + data.post + '"] [data-helpful]').forEach(
            function (count) { count.textContent = String(data.helpful); }
          );
          return Promise.resolve();
        default:
          // Status, accepted answer, lock, pin, title: the whole body, rendered afresh.
          refetch();
          return Promise.resolve();
      }
    }

    socket.subscribe(
      page.dataset.streamName,
      function (event, data) {
        seen = Math.max(seen, data.revision || 0);
        if (refetching || !data.revision || data.revision <= revision) return;
        if (data.revision !== revision + 1) {
          refetch(); // Something was missed: take the whole state.
          return;
        }
        revision = data.revision;
        apply(event, data).catch(function () { refetch(); });
      },
      function (state) {
        // After each (re)subscription: catch up with whatever happened meanwhile.
        if (typeof state.revision === "number" && state.revision !== revision) {
          seen = Math.max(seen, state.revision);
          refetch();
        }
      },
      function () { say(page.dataset.gone); }
    );
  }

  // --- A space's topic list -----------------------------------------------------------------

  function liveList(list) {
    let timer = null;
    let first = true;
    function reload() {
      clearTimeout(timer);
      timer = setTimeout(function () {
        const url = location.pathname + location.search;
        fetchHtml(url).then(function (html) {
          list.innerHTML = html;
          activate(list);
        }).catch(function () {});
      }, 800);
    }
    socket.subscribe(
      list.dataset.stream,
      function (event) { if (event.indexOf("topic.") === 0) reload(); },
      function (_state, origin) {
        if (origin !== "subscribed") return; // heartbeats carry nothing for a list
        if (first) { first = false; return; }
        reload(); // Subscribed again after a reconnect: something may have happened meanwhile.
      }
    );
  }

  // --- The composer: @mentions and images ---------------------------------------------------

  function composer(form) {
    const area = form.querySelector("textarea[data-mentions]");
    const list = form.querySelector("[data-mention-list]");
    const upload = form.querySelector("[data-upload]");
    const uploadStatus = form.querySelector("[data-upload-status]");
    const csrf = form.querySelector("[name=csrfmiddlewaretoken]");
    let options = [];
    let active = -1;
    let query = null;
    let asked = 0; // the latest lookup: older answers arriving late are ignored

    function mentionBeforeCaret() {
      const before = area.value.slice(0, area.selectionStart);
      return /(^|[^\w.@-])@([\w-]{1,40})$/.exec(before);
    }

    function insert(text, start, end) {
      const value = area.value;
      area.value = value.slice(0, start) + text + value.slice(end);
      const caret = start + text.length;
      area.setSelectionRange(caret, caret);
      area.focus();
    }

    function close() {
      list.hidden = true;
      list.innerHTML = "";
      options = [];
      active = -1;
      area.setAttribute("aria-expanded", "false");
      area.removeAttribute("aria-activedescendant");
    }

    function highlight(index) {
      active = index;
      Array.prototype.forEach.call(list.children, function (item, i) {
        item.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      if (index >= 0) area.setAttribute("aria-activedescendant", list.children[index].id);
    }

    function choose(index) {
      const person = options[index];
      const match = mentionBeforeCaret();
      if (!person || !match) { close(); return; }
      // Replace exactly the "@name" typed just before the caret.
      insert("@" + person.handle + " ", area.selectionStart - match[2].length - 1, area.selectionStart);
      close();
    }

    function lookup() {
      const match = mentionBeforeCaret();
      if (!match) { close(); return; }
      query = { text: match[2] };
      const ticket = ++asked;
      const url = form.dataset.mentionsUrl + "?q=" + encodeURIComponent(match[2]);
      fetch(url, { credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          if (ticket !== asked) return;
          options = data.results || [];
          list.innerHTML = "";
          if (!options.length) { close(); return; }
          options.forEach(function (person, i) {
            const item = document.createElement("li");
            item.id = "mention-option-" + i;
            item.setAttribute("role", "option");
            item.textContent = person.name + " (@" + person.handle + ")";
            item.addEventListener("mousedown", function (event) {
              event.preventDefault();
              choose(i);
            });
            list.appendChild(item);
          });
          list.hidden = false;
          area.setAttribute("aria-expanded", "true");
          highlight(0);
        })
        .catch(close);
    }

    if (area && list && form.dataset.mentionsUrl) {
      area.setAttribute("role", "combobox");
      area.setAttribute("aria-autocomplete", "list");
      area.setAttribute("aria-expanded", "false");
      list.id = "mention-list";
      area.setAttribute("aria-controls", list.id);
      let timer = null;
      area.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(lookup, 150);
      });
      area.addEventListener("keydown", function (event) {
        if (list.hidden) return;
        if (event.key === "ArrowDown") {
          event.preventDefault();
          highlight((active + 1) % options.length);
        } else if (event.key === "ArrowUp") {
          event.preventDefault();
          highlight((active - 1 + options.length) % options.length);
        } else if (event.key === "Enter" || event.key === "Tab") {
          event.preventDefault();
          choose(active);
        } else if (event.key === "Escape") {
          close();
        } else if (["ArrowLeft", "ArrowRight", "Home", "End", "PageUp", "PageDown"].indexOf(event.key) >= 0) {
          close(); // the caret leaves the name being typed
        }
      });
      area.addEventListener("click", close);
      area.addEventListener("blur", function () { setTimeout(close, 200); });
    }

    if (upload && form.dataset.uploadUrl && area) {
      upload.addEventListener("change", function () {
        const file = upload.files[0];
        if (!file) return;
        const data = new FormData();
        data.append("file", file);
        uploadStatus.textContent = uploadStatus.dataset.uploading || "";
        fetch(form.dataset.uploadUrl, {
          method: "POST",
          body: data,
          credentials: "same-origin",
          headers: { "X-CSRFToken": csrf ? csrf.value : "" },
        })
          .then(function (response) { return response.json(); })
          .then(function (result) {
            if (result.markdown) {
              insert("\n" + result.markdown + "\n", area.selectionStart, area.selectionEnd);
              uploadStatus.textContent = "";
            } else {
              uploadStatus.textContent = result.error || "";
            }
          })
          .catch(function () { uploadStatus.textContent = ""; });
        upload.value = "";
      });
      // The label holds the input: Enter or Space opens the file chooser from the keyboard.
      upload.parentElement.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          upload.click();
        }
      });
    }
  }

  // Destructive buttons ask first.
  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });

  if (socket) {
    document.querySelectorAll("[data-topic-page]").forEach(topicPage);
    document.querySelectorAll("[data-live-list]").forEach(liveList);
  }
  document.querySelectorAll("form[data-composer]").forEach(composer);
})();
