/* The streaming lesson player (docs/plugins/streaming-player.md).

   Drives every section.lh-sp of the page: hls.js (window.Hls, vendor/hls.min.js) where
   Media Source Extensions exist, else the browser's own HLS; accessible controls
   (buttons, sliders, menus of menuitemradio), keyboard shortcuts, resume, heartbeats to
   the analytics part, bookmarks, and for audio the mini-player that keeps playing while
   the learner moves to another lesson of the course (main#content is swapped, the
   <audio> stays). Everything comes from data-* attributes (no inline script); the
   visible strings are translated on the server (data-labels). Plain ES2020. */
(function () {
  "use strict";
  if (window.LearningHubPlayer) {
    window.LearningHubPlayer.initAll(document);
    return;
  }

  const SPEEDS = [0.5, 0.75, 1, 1.25, 1.5, 1.75, 2];
  const MAX_RANGES = 20;
  /* a timeupdate further than this from the last one (in media seconds, times the
     rate) is a jump, not play: it starts a new span */
  const CONTIGUOUS_S = 3;

  // ---------------------------------------------------------------- helpers

  function fmt(seconds) {
    const s = Math.max(0, Math.floor(Number.isFinite(seconds) ? seconds : 0));
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    const ss = String(s % 60).padStart(2, "0");
    return h ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
  }

  function interpolate(text, values) {
    return String(text || "").replace(/%\((\w+)\)s/g, (all, name) =>
      name in values ? String(values[name]) : all);
  }

  function uuid4() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    // randomUUID needs a secure context; getRandomValues does not
    const b = window.crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  function parseJSON(text, fallback) {
    try {
      return JSON.parse(text);
    } catch (e) {
      return fallback;
    }
  }

  function round2(x) {
    return Math.round(x * 100) / 100;
  }

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // ---------------------------------------------------------------- menus

  /* A menu button and its list of menuitemradio buttons: Enter/Space/ArrowDown open
     it, arrows move, Escape closes and gives the focus back, Tab or a click outside
     closes. onPick(item) runs when an item is chosen. */
  class Menu {
    constructor(wrapper, onPick) {
      this.wrapper = wrapper;
      this.button = wrapper.querySelector(".lh-sp-menu-button");
      this.list = wrapper.querySelector(".lh-sp-menu-list");
      this.onPick = onPick;
      this.button.addEventListener("click", () => (this.isOpen() ? this.close(false) : this.open()));
      this.button.addEventListener("keydown", (e) => {
        if (e.key === "ArrowDown" || e.key === "ArrowUp") {
          e.preventDefault();
          e.stopPropagation();
          this.open(e.key === "ArrowUp" ? "last" : "checked");
        }
      });
      this.list.addEventListener("click", (e) => {
        const item = e.target.closest("[role=menuitemradio]");
        if (item) {
          this.onPick(item);
          this.close(true);
        }
      });
      this.list.addEventListener("keydown", (e) => this.onKey(e));
      document.addEventListener("click", (e) => {
        if (this.isOpen() && !this.wrapper.contains(e.target)) this.close(false);
      });
    }

    items() {
      return Array.from(this.list.querySelectorAll("[role=menuitemradio]"));
    }

    isOpen() {
      return !this.list.hidden;
    }

    open(which) {
      this.list.hidden = false;
      this.button.setAttribute("aria-expanded", "true");
      const items = this.items();
      const target = which === "last" ? items[items.length - 1]
        : items.find((i) => i.getAttribute("aria-checked") === "true") || items[0];
      items.forEach((i) => i.setAttribute("tabindex", i === target ? "0" : "-1"));
      if (target) target.focus();
    }

    close(focusButton) {
      if (!this.isOpen()) return;
      this.list.hidden = true;
      this.button.setAttribute("aria-expanded", "false");
      if (focusButton) this.button.focus();
    }

    onKey(e) {
      const items = this.items();
      const at = items.indexOf(document.activeElement);
      let next = null;
      switch (e.key) {
        case "ArrowDown": next = items[(at + 1) % items.length]; break;
        case "ArrowUp": next = items[(at - 1 + items.length) % items.length]; break;
        case "Home": next = items[0]; break;
        case "End": next = items[items.length - 1]; break;
        case "Escape": this.close(true); break;
        case "Tab": this.close(false); return;
        default: return;
      }
      e.preventDefault();
      e.stopPropagation();
      if (next) {
        items.forEach((i) => i.setAttribute("tabindex", i === next ? "0" : "-1"));
        next.focus();
      }
    }

    check(item) {
      this.items().forEach((i) => i.setAttribute("aria-checked", i === item ? "true" : "false"));
    }
  }

  // ---------------------------------------------------------------- the player

  class Player {
    constructor(root, options) {
      const data = root.dataset;
      this.root = root;
      this.kind = data.kind;
      this.media = root.querySelector(".lh-sp-media");
      this.streamId = data.streamId;
      this.scope = data.scope;
      this.src = data.src;
      this.title = data.title || "";
      this.lessonUrl = data.lessonUrl || "";
      this.coursePath = data.coursePath || "";
      this.duration = parseFloat(data.duration) || 0;
      this.resume = (options && options.resume) || parseFloat(data.resume) || 0;
      this.autoplay = Boolean(options && options.autoplay);
      this.beatEvery = Math.max(2, parseInt(data.heartbeatSeconds, 10) || 10) * 1000;
      this.beatUrl = data.heartbeatUrl || "";
      this.bookmarksUrl = data.bookmarksUrl || "";
      this.bookmarkUrl = data.bookmarkUrl || "";
      this.csrf = data.csrf || "";
      this.renditions = parseJSON(data.renditions, []);
      this.drm = data.drm ? parseJSON(data.drm, null) : null;
      this.keepStylesheet(data.stylesheet);
      this.labels = parseJSON(data.labels, {});
      this.viewId = uuid4();
      this.ranges = [];
      this.span = null;
      this.lastBeatPosition = -1;
      this.played = false;
      this.position = this.resume;
      this.timer = null;
      this.queue = Promise.resolve();
      this.beatQueued = false;
      this.completed = data.completed === "true"; // already: no announcement
      this.stopped = false;
      this.lastCaption = -1;
      this.hls = null;
      this.engine = "";
      this.controls = root.querySelector(".lh-sp-controls");
      this.status = root.querySelector(".lh-sp-status");
      this.bindControls();
      this.bindMedia();
      this.attachSource();
      this.initBookmarks();
      root.lhPlayer = this;
    }

    /* The stylesheet link sits in the player's markup; a copy in <head> outlives a
       swap of main (the mini-player needs it on pages without a player). */
    keepStylesheet(href) {
      if (!href) return;
      const have = Array.from(document.head.querySelectorAll("link[rel=stylesheet]")).some((l) => l.href === new URL(href, location.href).href);
      if (!have) document.head.appendChild(el("link", { rel: "stylesheet", href }));
    }

    t(key, values) {
      return interpolate(this.labels[key] || key, values || {});
    }

    say(text) {
      if (this.status) this.status.textContent = text;
    }

    // ---- source

    attachSource() {
      const media = this.media;
      if (window.Hls && window.Hls.isSupported()) {
        this.engine = "hls.js";
        this.startHls(this.src, this.resume);
      } else if (media.canPlayType("application/vnd.apple.mpegurl")) {
        this.engine = "native";
        media.src = this.src;
      } else {
        this.engine = "none";
        this.say(this.t("playbackError"));
      }
      this.root.dataset.engine = this.engine;
    }

    startHls(src, startPosition) {
      const Hls = window.Hls;
      const config = {
        // captions come from the <track>s: hls.js leaves the subtitle renditions alone
        enableWebVTT: false,
        enableCEA708Captions: false,
        subtitleStreamController: null,
        subtitleTrackController: null,
        startPosition: startPosition > 0 ? startPosition : -1,
        xhrSetup: (xhr) => {
          xhr.withCredentials = true;
        },
        fetchSetup: (context, init) => new Request(context.url, Object.assign({}, init, { credentials: "same-origin" })),
      };
      if (this.drm) {
        // a multi-DRM provider's key systems (playback.drm.IDrmProvider)
        config.emeEnabled = true;
        config.drmSystems = this.drm;
      }
      const hls = new Hls(config);
      this.hls = hls;
      hls.on(Hls.Events.MANIFEST_PARSED, () => this.buildQualityMenu());
      hls.on(Hls.Events.LEVEL_SWITCHED, () => this.showQuality());
      let recovered = 0;
      hls.on(Hls.Events.ERROR, (event, info) => {
        if (!info.fatal || hls !== this.hls) return;
        const code = info.response && info.response.code;
        if (info.type === Hls.ErrorTypes.NETWORK_ERROR && code === 403 && this.refreshSource()) {
          return; // the signed URLs expired (a long pause): the page signs new ones
        }
        if (info.type === Hls.ErrorTypes.NETWORK_ERROR && recovered < 3) {
          recovered += 1;
          hls.startLoad();
        } else if (info.type === Hls.ErrorTypes.MEDIA_ERROR && recovered < 3) {
          recovered += 1;
          hls.recoverMediaError();
        } else {
          this.say(this.t("playbackError"));
          hls.destroy();
          this.hls = null;
        }
      });
      hls.loadSource(src);
      hls.attachMedia(this.media);
    }

    /* The signed URLs live playback_ttl_seconds (hours): after a longer pause, or once
       the right to watch is gone, the server answers 403. Ask the lesson page again
       for fresh ones and go on from the same moment; a page without this player (the
       access ended) leaves the message. At most once a minute. */
    refreshSource() {
      const now = Date.now();
      if (this.refreshedAt && now - this.refreshedAt < 60000) return false;
      this.refreshedAt = now;
      // a media element whose source failed may have gone back to 0: the last known
      const at = this.media.readyState >= 2 ? this.media.currentTime : this.position;
      const playing = !this.media.paused;
      fetch(this.lessonUrl || location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then((r) => (r.ok ? r.text() : Promise.reject(new Error(String(r.status)))))
        .then((html) => {
          const doc = new DOMParser().parseFromString(html, "text/html");
          const fresh = Array.from(doc.querySelectorAll("section.lh-sp"))
            .find((s) => s.dataset.streamId === this.streamId && s.dataset.scope === this.scope);
          if (!fresh || this.stopped) throw new Error("no player");
          if (this.hls) this.hls.destroy();
          this.src = fresh.dataset.src;
          this.root.dataset.src = this.src;
          this.resume = at;
          this.autoplay = playing;
          this.startHls(this.src, at);
        })
        .catch(() => {
          if (this.hls) this.hls.destroy();
          this.hls = null;
          this.say(this.t("playbackError"));
        });
      return true;
    }

    // ---- controls

    bindControls() {
      const root = this.root;
      const q = (s) => root.querySelector(s);
      this.playButton = q(".lh-sp-play");
      this.seek = q(".lh-sp-seek");
      this.time = q(".lh-sp-time");
      this.muteButton = q(".lh-sp-mute");
      this.volume = q(".lh-sp-volume");
      this.fullscreenButton = q(".lh-sp-fullscreen");
      this.stage = q(".lh-sp-stage");
      this.media.controls = false;
      this.controls.hidden = false;

      this.playButton.addEventListener("click", () => this.toggle());
      this.stage.addEventListener("click", (e) => {
        if (e.target === this.media || e.target === this.stage) this.toggle();
      });
      this.seek.addEventListener("input", () => {
        this.media.currentTime = parseFloat(this.seek.value) || 0;
      });
      this.muteButton.addEventListener("click", () => this.toggleMute());
      this.volume.addEventListener("input", () => {
        this.media.volume = parseFloat(this.volume.value);
        this.media.muted = this.media.volume === 0;
      });
      if (this.fullscreenButton) {
        this.fullscreenButton.addEventListener("click", () => this.toggleFullscreen());
        document.addEventListener("fullscreenchange", () => {
          this.fullscreenButton.setAttribute("aria-pressed", String(document.fullscreenElement === root));
        });
      }

      const speed = q(".lh-sp-menu-speed");
      this.speedMenu = speed ? new Menu(speed, (item) => {
        this.media.playbackRate = parseFloat(item.dataset.rate);
      }) : null;

      const quality = q(".lh-sp-menu-quality");
      this.qualityMenu = quality ? new Menu(quality, (item) => this.pickLevel(parseInt(item.dataset.level, 10))) : null;

      const captions = q(".lh-sp-menu-captions");
      this.trackElements = Array.from(this.media.querySelectorAll("track"));
      this.captionsMenu = captions ? new Menu(captions, (item) => this.pickCaption(parseInt(item.dataset.track, 10))) : null;
      // the default <track> shows from the start; the menu says so
      const initial = this.trackElements.findIndex((t) => t.default);
      if (this.trackElements.length) this.pickCaption(initial);

      root.addEventListener("keydown", (e) => this.onKey(e));
    }

    bindMedia() {
      const m = this.media;
      m.addEventListener("loadedmetadata", () => {
        if (Number.isFinite(m.duration) && m.duration > 0) this.duration = m.duration;
        this.seek.max = String(this.duration);
        // hls.js starts at startPosition itself (a second seek here would race its own)
        if (!this.hls && this.resume > 0 && m.currentTime < this.resume - 1) m.currentTime = this.resume;
        this.showTime();
        if (this.autoplay) {
          // taken over from the mini-player, which was playing: go on playing
          this.autoplay = false;
          this.toggle();
        }
      });
      m.addEventListener("play", () => {
        this.played = true;
        this.onPlayState();
      });
      m.addEventListener("pause", () => {
        this.onPlayState();
        this.beat();
      });
      m.addEventListener("ended", () => {
        this.onPlayState();
        this.beat();
      });
      m.addEventListener("timeupdate", () => {
        this.track();
        this.showTime();
      });
      m.addEventListener("seeking", () => {
        this.closeSpan();
        this.showTime();
        this.watchSeek();
      });
      m.addEventListener("seeked", () => {
        window.clearTimeout(this.seekWatch);
        this.span = null;
        this.beat();
      });
      m.addEventListener("volumechange", () => this.showVolume());
      m.addEventListener("ratechange", () => this.showSpeed());
      this.onPagehide = () => this.beat(true);
      window.addEventListener("pagehide", this.onPagehide);
    }

    /* hls.js now and then leaves a seek waiting: going back to the first segment after
       starting at a resume position, that segment is loaded but never reaches the
       buffer. A seek still pending after 3 s restarts the loading at the sought time;
       after 6 s the media source is rebuilt (hls.js's recoverMediaError), which
       appends it again. */
    watchSeek(attempt) {
      window.clearTimeout(this.seekWatch);
      if (!this.hls) return;
      const tries = attempt || 0;
      this.seekWatch = window.setTimeout(() => {
        if (!this.media.seeking || !this.hls) return;
        const at = this.media.currentTime;
        if (tries === 0) {
          this.hls.stopLoad();
          this.hls.startLoad(at);
        } else {
          this.hls.recoverMediaError();
          this.media.currentTime = at;
        }
        if (tries < 3) this.watchSeek(tries + 1);
      }, 3000);
    }

    toggle() {
      if (this.media.paused || this.media.ended) {
        const started = this.media.play();
        if (started && started.catch) started.catch(() => {});
      } else {
        this.media.pause();
      }
    }

    seekBy(delta) {
      const end = Number.isFinite(this.media.duration) ? this.media.duration : this.duration;
      this.media.currentTime = Math.min(Math.max(0, this.media.currentTime + delta), end || 0);
    }

    toggleMute() {
      this.media.muted = !this.media.muted;
      if (!this.media.muted && this.media.volume === 0) this.media.volume = 0.5;
    }

    toggleFullscreen() {
      if (document.fullscreenElement) {
        document.exitFullscreen().catch(() => {});
      } else if (this.root.requestFullscreen) {
        this.root.requestFullscreen().catch(() => {});
      }
    }

    stepSpeed(direction) {
      const at = SPEEDS.findIndex((s) => Math.abs(s - this.media.playbackRate) < 0.01);
      const index = Math.min(SPEEDS.length - 1, Math.max(0, (at < 0 ? 2 : at) + direction));
      this.media.playbackRate = SPEEDS[index];
    }

    onPlayState() {
      const playing = !this.media.paused && !this.media.ended;
      this.playButton.setAttribute("aria-label", playing ? this.t("pause") : this.t("play"));
      this.playButton.classList.toggle("is-playing", playing);
      this.root.classList.toggle("lh-sp-playing", playing);
      if (playing && !this.timer) {
        this.timer = window.setInterval(() => this.beat(), this.beatEvery);
      } else if (!playing && this.timer) {
        window.clearInterval(this.timer);
        this.timer = null;
      }
      if (this.onChange) this.onChange();
    }

    showTime() {
      const now = this.media.currentTime || 0;
      const total = Number.isFinite(this.media.duration) ? this.media.duration : this.duration;
      if (document.activeElement !== this.seek || !this.media.seeking) this.seek.value = String(now);
      this.seek.setAttribute("aria-valuetext", this.t("of", { position: fmt(now), duration: fmt(total) }));
      this.time.textContent = `${fmt(now)} / ${fmt(total)}`;
      if (this.onChange) this.onChange();
    }

    showVolume() {
      const muted = this.media.muted || this.media.volume === 0;
      this.muteButton.setAttribute("aria-pressed", String(muted));
      this.volume.value = String(this.media.muted ? 0 : this.media.volume);
    }

    showSpeed() {
      if (!this.speedMenu) return;
      const rate = this.media.playbackRate;
      const item = this.speedMenu.items().find((i) => Math.abs(parseFloat(i.dataset.rate) - rate) < 0.01);
      if (item) this.speedMenu.check(item);
      this.speedMenu.button.textContent = this.t("speed", { speed: `${rate}×` });
    }

    // ---- quality (hls.js levels)

    levelLabel(level) {
      const known = this.renditions.find((r) => r.height === level.height);
      return known ? known.label : `${level.height}p`;
    }

    buildQualityMenu() {
      if (!this.qualityMenu || !this.hls) return;
      const levels = this.hls.levels.map((level, index) => ({ level, index })).filter((x) => x.level.height);
      if (!levels.length) return;
      levels.sort((a, b) => b.level.height - a.level.height);
      const list = this.qualityMenu.list;
      list.textContent = "";
      const add = (label, index) => {
        const li = el("li", { role: "none" });
        li.appendChild(el("button", {
          type: "button", role: "menuitemradio", "aria-checked": index === -1 ? "true" : "false",
          "data-level": String(index), tabindex: "-1",
        }, label));
        list.appendChild(li);
      };
      add(this.t("auto"), -1);
      levels.forEach(({ level, index }) => add(this.levelLabel(level), index));
      this.qualityMenu.wrapper.hidden = false;
      this.showQuality();
    }

    pickLevel(index) {
      if (!this.hls) return;
      this.hls.currentLevel = index; // -1: automatic
      this.manualLevel = index;
      this.showQuality();
    }

    showQuality() {
      if (!this.qualityMenu || !this.hls) return;
      const auto = this.hls.autoLevelEnabled;
      const chosen = auto ? -1 : this.hls.currentLevel;
      const item = this.qualityMenu.items().find((i) => parseInt(i.dataset.level, 10) === chosen);
      if (item) this.qualityMenu.check(item);
      const playing = this.hls.levels[this.hls.currentLevel];
      const name = auto
        ? (playing && playing.height ? this.t("autoLevel", { quality: this.levelLabel(playing) }) : this.t("auto"))
        : (playing ? this.levelLabel(playing) : this.t("auto"));
      this.qualityMenu.button.textContent = this.t("quality", { quality: name });
    }

    // ---- captions (the <track>s)

    pickCaption(index) {
      this.trackElements.forEach((t, i) => {
        t.track.mode = i === index ? "showing" : "disabled";
      });
      if (index >= 0) this.lastCaption = index;
      this.caption = index;
      if (!this.captionsMenu) return;
      const item = this.captionsMenu.items().find((i) => parseInt(i.dataset.track, 10) === index);
      if (item) this.captionsMenu.check(item);
      const label = index >= 0 ? this.trackElements[index].label : this.t("off");
      this.captionsMenu.button.textContent = this.t("captions", { track: label });
    }

    toggleCaptions() {
      if (!this.trackElements.length) return;
      this.pickCaption(this.caption >= 0 ? -1 : Math.max(0, this.lastCaption));
    }

    // ---- keyboard

    onKey(e) {
      if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
      const target = e.target;
      const tag = target.tagName;
      if (target.closest(".lh-sp-bookmarks") || tag === "TEXTAREA" || tag === "SELECT"
          || (tag === "INPUT" && target.type !== "range")) return;
      const native = tag === "BUTTON" || tag === "SUMMARY" || tag === "A";
      switch (e.key) {
        case " ":
          if (native) return;
          this.toggle();
          break;
        case "k": this.toggle(); break;
        case "j": this.seekBy(-10); break;
        case "l": this.seekBy(10); break;
        case "ArrowLeft":
        case "ArrowRight":
          if (tag === "INPUT") return; // the sliders move themselves
          this.seekBy(e.key === "ArrowLeft" ? -5 : 5);
          break;
        case "m": this.toggleMute(); break;
        case "f":
          if (!this.fullscreenButton) return;
          this.toggleFullscreen();
          break;
        case "c":
          if (!this.captionsMenu) return;
          this.toggleCaptions();
          break;
        case "<": this.stepSpeed(-1); break;
        case ">": this.stepSpeed(1); break;
        default: return;
      }
      e.preventDefault();
    }

    // ---- heartbeats: the spans played since the last beat

    track() {
      const m = this.media;
      if (m.seeking) return;
      const now = m.currentTime;
      if (m.readyState >= 2) this.position = now;
      const span = this.span;
      const reach = CONTIGUOUS_S * Math.max(1, m.playbackRate);
      if (span && now >= span[1] && now - span[1] <= reach) {
        span[1] = now;
      } else {
        this.closeSpan();
        this.span = [now, now];
      }
    }

    closeSpan() {
      const span = this.span;
      if (span && span[1] - span[0] > 0.05) this.ranges.push([span[0], span[1]]);
      this.span = null;
      if (this.ranges.length >= MAX_RANGES - 1) this.beat();
    }

    takeRanges() {
      const out = this.ranges.slice();
      const span = this.span;
      if (span && span[1] - span[0] > 0.05) {
        out.push([span[0], span[1]]);
        this.span = [span[1], span[1]];
      }
      this.ranges = [];
      const end = this.duration || Infinity;
      return out
        .map(([a, b]) => [round2(Math.max(0, Math.min(a, end))), round2(Math.max(0, Math.min(b, end)))])
        .filter(([a, b]) => b > a)
        .slice(-MAX_RANGES);
    }

    /* The page's writes (beats, bookmarks) go one after the other: beats stay in
       order (the server bounds a beat's spans by the time since the previous one) and
       a small database is not asked for two writes of one visitor at once. */
    enqueue(work) {
      const next = this.queue.then(work, work);
      this.queue = next.catch(() => {});
      return next;
    }

    beat(leaving) {
      // a page that was opened (and maybe sought, like the resume) but never played is
      // no view: nothing is reported
      if (!this.beatUrl || this.stopped || !this.played) return;
      if (leaving) {
        this.sendBeat(true);
        return;
      }
      if (this.beatQueued) return; // the waiting beat takes the spans played meanwhile
      this.beatQueued = true;
      this.enqueue(() => {
        this.beatQueued = false;
        return this.sendBeat(false);
      });
    }

    sendBeat(leaving) {
      if (!this.beatUrl) return null;
      const ranges = this.takeRanges();
      const position = Math.round((this.media.currentTime || 0) * 10) / 10;
      if (!ranges.length && position === this.lastBeatPosition) return null;
      this.lastBeatPosition = position;
      const body = JSON.stringify({ view_id: this.viewId, scope: this.scope, position_s: position, ranges });
      if (leaving && navigator.sendBeacon) {
        // sendBeacon sets no header: the token travels in the form body
        const form = new URLSearchParams({ csrf_token: this.csrf, beat: body });
        if (navigator.sendBeacon(this.beatUrl, form)) return null;
      }
      return fetch(this.beatUrl, {
        method: "POST",
        credentials: "same-origin",
        keepalive: true,
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": this.csrf },
        body,
      }).then((response) => {
        if (response.status === 409) this.viewId = uuid4(); // a view id taken: start a new view
        if (response.status === 404 || response.status === 401) this.beatUrl = "";
        return response.ok ? response.json() : null;
      }).then((answer) => {
        if (answer && answer.lesson_completed && !this.completed) {
          this.completed = true;
          this.say(this.t("completed"));
          this.root.dispatchEvent(new CustomEvent("lh:lesson-completed", { bubbles: true, detail: answer }));
        }
      }).catch(() => {});
    }

    // ---- bookmarks (the downloads part's API through the player's page routes)

    initBookmarks() {
      this.bookmarks = this.root.querySelector(".lh-sp-bookmarks");
      if (!this.bookmarks || !this.bookmarksUrl) return;
      this.bookmarkList = this.bookmarks.querySelector(".lh-sp-bookmark-list");
      const form = this.bookmarks.querySelector(".lh-sp-bookmark-form");
      form.addEventListener("submit", (e) => {
        e.preventDefault();
        const note = form.querySelector("input[name=note]");
        const position = round2(this.media.currentTime || 0);
        this.call("POST", this.bookmarksUrl, { scope: this.scope, position_s: position, note: note.value })
          .then((r) => {
            if (!r.ok) throw new Error(String(r.status));
            note.value = "";
            this.say(this.t("bookmarkAdded", { time: fmt(position) }));
            return this.loadBookmarks();
          })
          .catch(() => this.say(this.t("bookmarkError")));
      });
      this.bookmarkList.addEventListener("click", (e) => {
        const button = e.target.closest("button");
        if (!button) return;
        const item = button.closest("li");
        if (button.dataset.action === "jump") {
          this.media.currentTime = parseFloat(item.dataset.position) || 0;
          if (this.media.paused) this.toggle();
        } else if (button.dataset.action === "delete") {
          this.call("DELETE", this.bookmarkUrl.replace("__id__", item.dataset.id)).then((r) => {
            if (!r.ok && r.status !== 404) throw new Error(String(r.status));
            const next = item.nextElementSibling || item.previousElementSibling;
            item.remove();
            this.say(this.t("bookmarkDeleted"));
            this.showEmpty();
            const focus = next && next.querySelector("button");
            (focus || form.querySelector("input[name=note]")).focus();
          }).catch(() => this.say(this.t("bookmarkError")));
        }
      });
      this.loadBookmarks();
    }

    call(method, url, body) {
      const headers = { Accept: "application/json" };
      if (method !== "GET") headers["X-CSRF-Token"] = this.csrf;
      if (body !== undefined) headers["Content-Type"] = "application/json";
      const send = () => fetch(url, {
        method, credentials: "same-origin", headers, body: body === undefined ? undefined : JSON.stringify(body),
      });
      return method === "GET" ? send() : this.enqueue(send);
    }

    loadBookmarks() {
      const url = `${this.bookmarksUrl}?scope=${encodeURIComponent(this.scope)}&limit=100`;
      return this.call("GET", url).then((r) => {
        if (!r.ok) {
          // the part that keeps bookmarks is missing here (404) or refuses: no panel
          this.bookmarks.hidden = true;
          return;
        }
        return r.json().then((page) => {
          this.renderBookmarks((page && page.items) || []);
          this.bookmarks.hidden = false;
        });
      }).catch(() => {
        this.bookmarks.hidden = true;
      });
    }

    renderBookmarks(items) {
      const list = this.bookmarkList;
      list.textContent = "";
      items.forEach((b) => {
        const when = fmt(b.position_s);
        const li = el("li", { "data-id": b.id, "data-position": String(b.position_s) });
        // the visible text is the whole name (no aria-label that would differ from it)
        const jump = el("button", { type: "button", class: "lh-sp-link", "data-action": "jump" });
        jump.appendChild(el("span", { class: "lh-sp-bookmark-time" }, this.t("jump", { time: when })));
        if (b.note) jump.appendChild(el("span", { class: "lh-sp-bookmark-note" }, ` — ${b.note}`));
        li.appendChild(jump);
        li.appendChild(el("button", { type: "button", class: "lh-sp-link lh-sp-delete", "data-action": "delete",
          "aria-label": this.t("deleteBookmark", { time: when }) }, this.t("delete")));
        list.appendChild(li);
      });
      this.showEmpty();
    }

    showEmpty() {
      const list = this.bookmarkList;
      const empty = list.querySelector(".lh-sp-empty");
      const count = list.querySelectorAll("li[data-id]").length;
      if (!count && !empty) list.appendChild(el("li", { class: "lh-sp-empty" }, this.t("noBookmarks")));
      if (count && empty) empty.remove();
    }

    // ---- end

    stop() {
      this.beat(true);
      this.stopped = true;
      if (this.timer) window.clearInterval(this.timer);
      this.timer = null;
      window.removeEventListener("pagehide", this.onPagehide);
      this.media.pause();
      if (this.hls) {
        this.hls.destroy();
        this.hls = null;
      }
      this.media.removeAttribute("src");
      this.media.load();
    }
  }

  // ---------------------------------------------------------------- the mini-player

  /* While audio plays, a click on a link to another lesson of the same course loads
     that page into main#content; the <audio> moves into a bar fixed at the bottom of
     the page, outside main, and keeps playing (and reporting heartbeats). */
  const mini = { player: null, bar: null };
  let swapped = false;

  function audioPlaying() {
    if (mini.player) return mini.player;
    for (const root of document.querySelectorAll("main#content .lh-sp-audio")) {
      const p = root.lhPlayer;
      if (p && !p.media.paused && !p.media.ended && !p.stopped) return p;
    }
    return null;
  }

  function openMini(player) {
    if (mini.player === player) return;
    const L = (k, v) => player.t(k, v);
    const bar = el("div", { class: "lh-sp-mini", role: "region", "aria-label": L("miniPlayer") });
    const play = el("button", { type: "button", class: "lh-sp-btn lh-sp-play lh-sp-mini-play" });
    // the page's own play button has both icons: borrow them
    const icons = player.playButton.querySelectorAll("svg");
    icons.forEach((svg) => play.appendChild(svg.cloneNode(true)));
    const title = el("a", { class: "lh-sp-mini-title", href: player.lessonUrl, title: L("backToLesson") });
    title.appendChild(el("span", { class: "visually-hidden" }, `${L("nowPlaying")}: `));
    title.appendChild(document.createTextNode(player.title));
    const time = el("span", { class: "lh-sp-mini-time", "aria-hidden": "true" });
    const close = el("button", { type: "button", class: "lh-sp-btn lh-sp-mini-close", "aria-label": L("close") }, "✕");
    bar.append(play, title, time, close);
    const keep = el("div", { class: "lh-sp-mini-media", hidden: "" });
    bar.appendChild(keep);
    document.body.appendChild(bar);
    // moved, not removed: the element keeps playing (no pause between the two steps)
    keep.appendChild(player.media);
    play.addEventListener("click", () => player.toggle());
    close.addEventListener("click", () => closeMini());
    player.onChange = () => {
      const playing = !player.media.paused && !player.media.ended;
      play.setAttribute("aria-label", playing ? L("pause") : L("play"));
      play.classList.toggle("is-playing", playing);
      time.textContent = `${fmt(player.media.currentTime)} / ${fmt(player.duration)}`;
    };
    player.onChange();
    mini.player = player;
    mini.bar = bar;
    document.body.classList.add("lh-sp-has-mini");
  }

  function closeMini() {
    const player = mini.player;
    if (!player) return null;
    const position = player.media.currentTime;
    const playing = !player.media.paused && !player.media.ended;
    player.onChange = null;
    player.stop();
    mini.bar.remove();
    mini.player = null;
    mini.bar = null;
    document.body.classList.remove("lh-sp-has-mini");
    return { streamId: player.streamId, scope: player.scope, position, playing };
  }

  function lessonLink(event) {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey
        || event.shiftKey || event.altKey) return null;
    const a = event.target.closest && event.target.closest("a[href]");
    if (!a || a.target || a.hasAttribute("download")) return null;
    const main = document.querySelector("main#content");
    // links of the page's body, and the mini-player's way back to its lesson
    if (!main || !(main.contains(a) || a.closest(".lh-sp-mini"))) return null;
    const url = new URL(a.href, location.href);
    if (url.origin !== location.origin || url.href === location.href) return null;
    const player = audioPlaying();
    if (!player || !player.coursePath || !url.pathname.startsWith(player.coursePath)) return null;
    return url;
  }

  function runScripts(container) {
    // scripts put in with innerHTML do not run: load those the page lacks
    const have = new Set(Array.from(document.scripts, (s) => s.src).filter(Boolean));
    container.querySelectorAll("script[src]").forEach((old) => {
      if (have.has(old.src)) return;
      const s = document.createElement("script");
      s.src = old.src;
      document.body.appendChild(s);
    });
  }

  function swapTo(url, push) {
    return fetch(url.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then((response) => {
        const type = response.headers.get("Content-Type") || "";
        if (!response.ok || !type.includes("text/html")) throw new Error("not a page");
        return response.text().then((html) => ({ html, finalUrl: response.url }));
      })
      .then(({ html, finalUrl }) => {
        const doc = new DOMParser().parseFromString(html, "text/html");
        const next = doc.querySelector("main#content");
        const main = document.querySelector("main#content");
        if (!next || !main) throw new Error("no main");
        const playing = audioPlaying();
        const hasPlayer = next.querySelector(".lh-sp");
        let handover = null;
        if (playing && !hasPlayer) openMini(playing);
        if (hasPlayer) {
          handover = closeMini();
          if (!handover && playing) {
            const position = playing.media.currentTime;
            playing.stop();
            handover = { streamId: playing.streamId, scope: playing.scope, position, playing: true };
          }
        }
        main.replaceChildren(...Array.from(next.childNodes, (n) => document.importNode(n, true)));
        document.title = doc.title;
        if (push) history.pushState({ lhPlayer: true }, "", finalUrl || url.href);
        swapped = true;
        window.scrollTo(0, 0);
        main.focus();
        initAll(main, handover);
        runScripts(main);
      });
  }

  document.addEventListener("click", (event) => {
    const url = lessonLink(event);
    if (!url) return;
    event.preventDefault();
    swapTo(url, true).catch(() => {
      location.href = url.href;
    });
  });

  window.addEventListener("popstate", () => {
    if (!swapped) return;
    swapTo(new URL(location.href), false).catch(() => location.reload());
  });

  // ---------------------------------------------------------------- start

  function initAll(scope, handover) {
    (scope || document).querySelectorAll("section.lh-sp").forEach((root) => {
      if (root.lhPlayer) return;
      let options = null;
      // the same lesson again: go on from where the mini-player was
      if (handover && handover.streamId === root.dataset.streamId && handover.scope === root.dataset.scope) {
        options = { resume: handover.position, autoplay: handover.playing };
      }
      try {
        new Player(root, options); // eslint-disable-line no-new
      } catch (e) {
        root.querySelector(".lh-sp-media").controls = true;
        throw e;
      }
    });
  }

  window.LearningHubPlayer = { initAll, Player, fmt };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", () => initAll(document));
  } else {
    initAll(document);
  }
})();
