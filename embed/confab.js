/*! Confab embed loader. One script tag puts a chat on any page:
 *
 *   <script src="https://cdn.example.com/confab/confab.js" data-endpoint="https://api.example.com/v1"
 *           data-model="gpt-4o-mini" defer></script>
 *
 * It defines the global `Confab` (the only global it adds) and the <confab-chat> element, and
 * loads the widget's WebAssembly from next to itself (its own `src`), never from the host page's
 * URL. No eval, no inline script, no inline style: it works under
 *   script-src 'self' 'wasm-unsafe-eval'; style-src 'self'
 *
 * In launcher mode the page first gets only this script and a launcher button drawn by it (a
 * facade). The widget itself (its glue and WebAssembly) loads when the button is first hovered,
 * focused or touched, and is mounted when it is clicked or a method that needs it is called
 * (open, toggle, send, clear). `loading="eager"` (or `data-loading="eager"`, or
 * `{loading: "eager"}`) loads it at once; inline and fullpage widgets always load at once.
 */
(function () {
  "use strict";
  // Loaded twice: the first copy stays. (Not judged by `window.Confab`: an element with
  // id="Confab" is also `window.Confab`, and a page may have a global of that name.)
  if (customElements.get("confab-chat")) return;

  // A module script (`<script type="module">`) has no currentScript: its tag is found by name.
  var script = document.currentScript;
  if (!script) {
    var tags = document.querySelectorAll('script[src*="confab.js"]');
    script = tags.length ? tags[tags.length - 1] : null;
  }
  var base = new URL(".", (script && script.src) || document.baseURI).href;

  /** Every setting, as attributes spell it. */
  var NAMES = [
    "endpoint", "model", "api-key", "auth-header", "headers", "system-prompt", "title", "greeting", "placeholder", "mode",
    "position", "theme", "accent", "stream", "temperature", "top-p", "n", "stop", "max-tokens",
    "presence-penalty", "frequency-penalty", "logit-bias", "user", "include-usage", "extra-body", "persist",
    "storage-key", "images"
  ];
  /** Settings the loader reads itself; the widget never sees them. */
  var OWN = ["loading"];
  var ALL = NAMES.concat(OWN);


  var loading = null;
  /** How many times the widget's module was started afresh after an internal error. */
  var restarts = 0;
  /** Handles of widgets whose instance stopped, kept so that they are never freed. */
  var stopped = [];
  /** Fetches and instantiates the widget once per page; a failure may be retried. */
  function load() {
    if (!loading) {
      // After a crash, a new URL gives a new module and so a new WebAssembly instance.
      var glueUrl = base + "confab-widget.js" + (restarts ? "?instance=" + restarts : "");
      loading = import(glueUrl).then(function (glue) {
        return glue.default({ module_or_path: base + "confab-widget_bg.wasm" }).then(function () {
          return glue;
        });
      });
      loading.catch(function () {
        loading = null;
      });
    }
    return loading;
  }

  /* The facade's stylesheet: the launcher rules of style/confab.css, which the widget adopts
   * when it mounts (a browser test checks that the facade and the real launcher look alike). */
  var LAUNCHER_CSS =
    ":host{all:initial;display:block}" +
    ".confab{--_accent:var(--confab-accent,#1d4ed8);--_accent-fg:var(--confab-accent-text,#ffffff);" +
    "--_z:var(--confab-z-index,2147483000);--_shadow:var(--confab-shadow,0 12px 40px rgba(0,0,0,.18))}" +
    ".confab--theme-dark{--_accent:var(--confab-accent,#2563eb)}" +
    "@media (prefers-color-scheme:dark){.confab--theme-auto{--_accent:var(--confab-accent,#2563eb)}}" +
    ".confab__launcher{position:fixed;z-index:var(--_z);width:60px;height:60px;display:flex;" +
    "align-items:center;justify-content:center;padding:0;border:0;border-radius:50%;cursor:pointer;" +
    "box-sizing:border-box;color:var(--_accent-fg);background:var(--_accent);box-shadow:var(--_shadow)}" +
    ".confab__launcher:focus-visible{outline:3px solid var(--_accent);outline-offset:2px}" +
    ".confab__launcher[aria-busy=true]{cursor:progress}" +
    ".confab__launcher[aria-busy=true] svg{animation:confab-loading 1s ease-in-out infinite}" +
    "@keyframes confab-loading{50%{opacity:.35}}" +
    "@media (prefers-reduced-motion:reduce){.confab__launcher[aria-busy=true] svg{animation:none;opacity:.6}}" +
    ".confab__launcher[popover]{inset:auto;margin:0;padding:0}" +
    ".confab--bottom-right .confab__launcher{right:16px;bottom:16px}" +
    ".confab--bottom-left .confab__launcher{left:16px;bottom:16px}" +
    ".confab--top-right .confab__launcher{right:16px;top:16px}" +
    ".confab--top-left .confab__launcher{left:16px;top:16px}";
  var sheet = null;
  function launcherSheet() {
    if (!sheet) {
      sheet = new CSSStyleSheet();
      sheet.replaceSync(LAUNCHER_CSS);
    }
    return sheet;
  }

  var crash = null;
  /** The stylesheet of the notice a widget shows after an internal error. */
  function crashSheet() {
    if (!crash) {
      crash = new CSSStyleSheet();
      crash.replaceSync(":host{all:initial;display:block}.confab-crash{font:14px/1.4 system-ui,sans-serif;" +
        "padding:12px;border:1px solid #b91c1c;border-radius:8px;background:#fff;color:#7f1d1d;max-width:360px}" +
        ".confab-crash p{margin:0 0 8px}");
    }
    return crash;
  }

  var SVG = "http://www.w3.org/2000/svg";
  /** The launcher's icon, the same as the widget's. */
  function icon() {
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("class", "confab__launcher-icon");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("width", "28");
    svg.setAttribute("height", "28");
    var path = document.createElementNS(SVG, "path");
    path.setAttribute("fill", "currentColor");
    path.setAttribute("d", "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z");
    svg.appendChild(path);
    return svg;
  }

  /** `value` if it is one of `allowed` (after trimming, in any case), else the first. */
  function pick(value, allowed) {
    var v = String(value === null || value === undefined ? "" : value).trim().toLowerCase();
    return allowed.indexOf(v) >= 0 ? v : allowed[0];
  }

  /** Strings stay strings; numbers, booleans, arrays and objects become JSON; null unsets. */
  function normalize(config) {
    var out = {};
    if (!config) return out;
    Object.keys(config).forEach(function (key) {
      var v = config[key];
      out[key] = v === null || v === undefined ? null : typeof v === "string" ? v : JSON.stringify(v);
    });
    return out;
  }

  function fire(el, name, detail) {
    el.dispatchEvent(new CustomEvent(name, { bubbles: true, composed: true, detail: detail }));
  }

  /* An internal error (a Rust panic) stops the widget's WebAssembly for good: its panic hook
   * says so with a `confab:crashed` event on the window, and every widget of this page shows
   * that, without calling into the stopped instance again, and offers to start afresh: a new
   * instance of the module is loaded and each widget mounted again, its conversations restored
   * from the browser's storage. The host page and its other scripts are not affected. */
  window.addEventListener("confab:crashed", function (e) {
    var reason = String(e.detail || "an internal error");
    loading = null;
    restarts += 1;
    document.querySelectorAll("confab-chat").forEach(function (el) {
      if (el._widget) el._crashed(reason);
    });
  });

  class ConfabChat extends HTMLElement {
    static get observedAttributes() {
      return ALL;
    }

    constructor() {
      super();
      this._widget = null;
      this._queue = [];
      this._config = {};
      this._loading = false;
      this._destroyed = false;
      this._facade = null;
    }

    connectedCallback() {
      if (this._widget) return this._raisePopovers();
      if (this._loading || this._destroyed) return;
      if (this._lazy() && this._queue.length === 0) this._showFacade();
      else this._load();
    }

    /** Moved in the page (taken out and put back): the launcher and an open panel go back to
     *  the top layer, which leaving the document took them out of. */
    _raisePopovers() {
      var root = this.shadowRoot;
      if (!root) return;
      root.querySelectorAll(".confab__launcher[popover], .confab__panel[popover]:not([hidden])").forEach(function (el) {
        try {
          if (!el.matches(":popover-open")) el.showPopover();
        } catch (e) { /* no popovers here */ }
      });
    }

    /** A setting as the widget will read it: setConfig's value over the attribute's. */
    _setting(name) {
      if (Object.prototype.hasOwnProperty.call(this._config, name)) return this._config[name];
      return this.getAttribute(name);
    }

    /** Whether the widget waits to be used before it loads: launcher mode, not `loading="eager"`. */
    _lazy() {
      return pick(this._setting("mode"), ["launcher", "inline", "fullpage"]) === "launcher" &&
        pick(this._setting("loading"), ["lazy", "eager"]) === "lazy";
    }

    /** Draws (or updates) the launcher button that stands in for the widget until it loads. */
    _showFacade() {
      var self = this;
      if (!this._facade) {
        var shadow = this.shadowRoot || this.attachShadow({ mode: "open" });
        while (shadow.firstChild) shadow.removeChild(shadow.firstChild);
        shadow.adoptedStyleSheets = [launcherSheet()];
        var root = document.createElement("div");
        var button = document.createElement("button");
        button.type = "button";
        button.className = "confab__launcher";
        button.setAttribute("part", "launcher");
        button.setAttribute("aria-label", "Open the chat");
        button.setAttribute("aria-expanded", "false");
        button.appendChild(icon());
        button.addEventListener("click", function () { self.open(); });
        // Likely to be clicked: fetch and compile the widget now, mount it on the click.
        var prefetch = function () { load().catch(function () {}); };
        ["pointerenter", "focus", "touchstart"].forEach(function (name) {
          button.addEventListener(name, prefetch, { passive: true });
        });
        root.appendChild(button);
        shadow.appendChild(root);
        // In the top layer, like the widget's launcher (see style/confab.css). Where popovers
        // are not supported it is an ordinary fixed button.
        button.setAttribute("popover", "manual");
        this._facade = { root: root, button: button };
      }
      try {
        var b = this._facade.button;
        if (!b.matches(":popover-open")) b.showPopover();
      } catch (e) { /* no popovers here */ }
      var root = this._facade.root;
      root.className = "confab confab--launcher confab--" +
        pick(this._setting("position"), ["bottom-right", "bottom-left", "top-right", "top-left"]) +
        " confab--theme-" + pick(this._setting("theme"), ["auto", "light", "dark"]);
      var accent = String(this._setting("accent") || "").trim();
      if (accent && CSS.supports("color", accent)) root.style.setProperty("--confab-accent", accent);
      else root.style.removeProperty("--confab-accent");
    }

    /** Loads and mounts the widget (it replaces the facade), then runs what was queued. */
    _load() {
      if (this._widget || this._loading || this._destroyed || !this.isConnected) return;
      this._loading = true;
      var self = this;
      if (this._facade) this._facade.button.setAttribute("aria-busy", "true");
      load().then(
        function (glue) {
          self._loading = false;
          if (self._destroyed || self._widget) return;
          var config = {};
          NAMES.forEach(function (n) {
            if (self.hasAttribute(n)) config[n] = self.getAttribute(n);
          });
          Object.assign(config, self._config);
          OWN.forEach(function (n) { delete config[n]; });
          self._widget = glue.mountWidget(self, config);
          self._facade = null;
          var queue = self._queue;
          self._queue = [];
          queue.forEach(function (f) { f(self._widget); });
        },
        function (error) {
          self._loading = false;
          if (self._facade) {
            // Said on the button itself; the next click tries again.
            var b = self._facade.button;
            b.removeAttribute("aria-busy");
            b.setAttribute("aria-label", "The chat could not be loaded. Try again");
            b.title = "The chat could not be loaded. Try again";
          }
          console.error("Confab: the widget could not be loaded from " + base, error);
          fire(self, "confab:error", {
            message: "The chat widget could not be loaded from " + base + ": " + error,
            description: "The chat could not be loaded. Try again.",
            status: null, code: "load_failed", type: null, retry_after_ms: null
          });
        }
      );
    }

    attributeChangedCallback(name, oldValue, value) {
      if (oldValue === value) return;
      if (this._widget) {
        if (OWN.indexOf(name) >= 0) return;
        var partial = {};
        partial[name] = value;
        this._widget.setConfig(partial);
      } else if (this._facade) {
        this._refresh();
      }
    }

    /** After a change of settings before the widget has loaded: redraw the facade, or load. */
    _refresh() {
      if (!this._facade) return;
      if (this._lazy()) this._showFacade();
      else this._load();
    }

    /** The widget's instance stopped (see `confab:crashed`): say so, and offer to start again. */
    _crashed(reason) {
      // Its handle belongs to the stopped instance: never call into it again, nor let the
      // garbage collector free it (that too would call into the instance).
      stopped.push(this._widget);
      this._widget = null;
      this._queue = [];
      var self = this;
      var shadow = this.shadowRoot;
      while (shadow.firstChild) shadow.removeChild(shadow.firstChild);
      shadow.adoptedStyleSheets = [crashSheet()];
      var box = document.createElement("div");
      box.className = "confab-crash";
      box.setAttribute("role", "alert");
      box.setAttribute("part", "crash");
      var text = document.createElement("p");
      text.textContent = "The chat hit an internal error and stopped. Your conversations are kept.";
      var again = document.createElement("button");
      again.type = "button";
      again.textContent = "Reload the chat";
      again.addEventListener("click", function () {
        box.remove();
        if (self._lazy()) self._showFacade();
        self._load();
      });
      box.appendChild(text);
      box.appendChild(again);
      shadow.appendChild(box);
      this._facade = null;
      fire(this, "confab:error", {
        message: reason,
        description: "The chat hit an internal error and stopped. Reload the chat to go on.",
        status: null, code: "internal_error", type: null, retry_after_ms: null
      });
    }

    /** Runs `f` on the widget now, or once it has mounted. */
    _call(f) {
      if (this._destroyed) return undefined;
      if (this._widget) return f(this._widget);
      this._queue.push(f);
      return undefined;
    }

    /** Like `_call`, and loads the widget if it has not started loading. */
    _use(f) {
      var out = this._call(f);
      if (!this._widget) this._load();
      return out;
    }

    open() { this._use(function (w) { w.open(); }); }
    close() { this._call(function (w) { w.close(); }); }
    toggle() { this._use(function (w) { w.toggle(); }); }
    stop() { this._call(function (w) { w.stop(); }); }
    clear() { this._use(function (w) { w.clear(); }); }

    /** Sends `text` as the user. Before the widget has loaded, it is queued and true returned. */
    send(text) {
      if (this._destroyed) return false;
      var t = String(text);
      if (this._widget) return this._widget.send(t);
      this._use(function (w) { w.send(t); });
      return true;
    }

    setConfig(partial) {
      var c = normalize(partial);
      Object.assign(this._config, c);
      var forWidget = Object.assign({}, c);
      OWN.forEach(function (n) { delete forWidget[n]; });
      this._call(function (w) { w.setConfig(forWidget); });
      this._refresh();
    }

    /** The conversation in the API's messages format plus each answer's state; empty until the
     *  widget has loaded (the `confab:ready` event). */
    messages() {
      return this._widget ? this._widget.messages() : [];
    }

    isOpen() {
      return this._widget ? this._widget.isOpen() : false;
    }

    destroy() {
      if (this._destroyed) return;
      this._destroyed = true;
      this._queue = [];
      if (this._widget) {
        this._widget.destroy();
        this._widget.free();
        this._widget = null;
      }
      this.remove();
    }
  }

  customElements.define("confab-chat", ConfabChat);

  var Confab = {
    /** Mounts a widget inside `element`; returns the <confab-chat> element (same methods). */
    mount: function (element, config) {
      if (!(element instanceof Element)) throw new TypeError("Confab.mount: the first argument must be an element");
      var chat = document.createElement("confab-chat");
      chat._config = normalize(config);
      element.appendChild(chat);
      return chat;
    },
    /** Where the widget's files are loaded from. */
    base: base
  };
  if (Object.prototype.hasOwnProperty.call(window, "Confab")) {
    // The page has a global of that name of its own (`var Confab`): it keeps it, and the
    // <confab-chat> element and the script tag's settings still work. (An element with
    // id="Confab" is not an own property: it is shadowed.)
    console.warn("Confab: the page already has a global named Confab; use <confab-chat> elements instead.");
  } else {
    Object.defineProperty(window, "Confab", { value: Object.freeze(Confab), writable: false, configurable: false });
  }

  // The script tag's own data-* attributes: a launcher on this page.
  if (script) {
    var config = {};
    var any = false;
    ALL.forEach(function (n) {
      var v = script.getAttribute("data-" + n);
      if (v !== null) {
        config[n] = v;
        any = true;
      }
    });
    if (any && script.getAttribute("data-auto") !== "false") {
      var go = function () { Confab.mount(document.body, config); };
      if (document.body) go();
      else document.addEventListener("DOMContentLoaded", go);
    }
  }
})();
