/*
 * A library item's page: the print button, transcripts unfolded for print, and the
 * click-to-load video players.
 *
 * A video host's player is not loaded with the page (the platform sets only essential
 * cookies): the page shows a button, and the player's frame is created when the reader
 * presses it. Without JavaScript the button stays hidden and the link to the host remains.
 * The player's address comes from the server (`embeds.parse_video_url`), never from the page's
 * text.
 */
(function () {
  "use strict";

  function withAutoplay(url) {
    return url + (url.indexOf("?") === -1 ? "?" : "&") + "autoplay=1";
  }

  function loadPlayer(player) {
    const frame = document.createElement("iframe");
    frame.src = withAutoplay(player.dataset.src);
    frame.title = player.dataset.title || "";
    frame.allow = "autoplay; fullscreen; picture-in-picture; encrypted-media";
    frame.allowFullscreen = true;
    frame.referrerPolicy = "strict-origin-when-cross-origin";
    // The players need their scripts and their own origin (YouTube and Vimeo refuse to play
    // without them); the sandbox still keeps them from navigating this page or opening forms.
    frame.setAttribute("sandbox", "allow-scripts allow-same-origin allow-presentation allow-popups");
    frame.className = "library-player-frame";
    const button = player.querySelector("[data-player-load]");
    if (button) button.remove();
    player.prepend(frame);
    player.classList.add("is-loaded");
    frame.focus();
  }

  // Transcripts are folded on screen and printed in full.
  let unfolded = [];
  window.addEventListener("beforeprint", function () {
    unfolded = Array.from(document.querySelectorAll("details.library-transcript:not([open])"));
    unfolded.forEach(function (details) {
      details.open = true;
    });
  });
  window.addEventListener("afterprint", function () {
    unfolded.forEach(function (details) {
      details.open = false;
    });
    unfolded = [];
  });

  function init() {
    document.querySelectorAll("[data-player]").forEach(function (player) {
      const button = player.querySelector("[data-player-load]");
      if (!button || !player.dataset.src) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        loadPlayer(player);
      });
    });
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        window.print();
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
