/*! Confab embed loader. One script tag puts a chat on any page:
 *
 *   <script src="https://cdn.example.com/confab/confab.js" data-endpoint="https://api.example.com/v1"
 *           data-model="gpt-4o-mini" defer></script>
 *
 * It defines the global `Confab` (the only global it adds) and the <confab-chat> element, and
 * loads the widget's WebAssembly from next to itself (its own `src`), never from the host page's
 * URL. No eval, no inline script, no inline style: it works under
 *   script-src 'self' 'wasm-unsafe-eval'; style-src 'self'
 */
(function () {
  "use strict";
  if (window.Confab) return;

  var script = document.currentScript;
  var base = new URL(".", (script && script.src) || document.baseURI).href;

  /** Every setting, as attributes spell it. */
  var NAMES = [
    "endpoint", "model", "api-key", "auth-header", "system-prompt", "title", "greeting", "placeholder", "mode",
    "position", "theme", "accent", "stream", "temperature", "top-p", "n", "stop", "max-tokens",
    "presence-penalty", "frequency-penalty", "logit-bias", "user", "include-usage", "persist",
    "storage-key", "images"
  ];

  var loading = null;
  function load() {
    if (!loading) {
      loading = import(base + "confab-widget.js").then(function (glue) {
        return glue.default({ module_or_path: base + "confab-widget_bg.wasm" }).then(function () {
          return glue;
        });
      });
    }
    return loading;
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

  class ConfabChat extends HTMLElement {
    static get observedAttributes() {
      return NAMES;
    }

    constructor() {
      super();
      this._widget = null;
      this._queue = [];
      this._config = {};
      this._loading = false;
      this._destroyed = false;
    }

    connectedCallback() {
      if (this._widget || this._loading || this._destroyed) return;
      this._loading = true;
      var self = this;
      load().then(
        function (glue) {
          self._loading = false;
          if (self._destroyed || self._widget) return;
          var config = {};
          NAMES.forEach(function (n) {
            if (self.hasAttribute(n)) config[n] = self.getAttribute(n);
          });
          Object.assign(config, self._config);
          self._widget = glue.mountWidget(self, config);
          var queue = self._queue;
          self._queue = [];
          queue.forEach(function (f) { f(self._widget); });
        },
        function (error) {
          self._loading = false;
          console.error("Confab: the widget could not be loaded from " + base, error);
          fire(self, "confab:error", {
            message: "The chat widget could not be loaded from " + base + ": " + error,
            status: null, code: "load_failed", retry_after_ms: null
          });
        }
      );
    }

    attributeChangedCallback(name, oldValue, value) {
      if (oldValue === value || !this._widget) return;
      var partial = {};
      partial[name] = value;
      this._widget.setConfig(partial);
    }

    _call(f) {
      if (this._destroyed) return undefined;
      if (this._widget) return f(this._widget);
      this._queue.push(f);
      return undefined;
    }

    open() { this._call(function (w) { w.open(); }); }
    close() { this._call(function (w) { w.close(); }); }
    toggle() { this._call(function (w) { w.toggle(); }); }
    stop() { this._call(function (w) { w.stop(); }); }
    clear() { this._call(function (w) { w.clear(); }); }

    /** Sends `text` as the user. Before the widget has loaded, it is queued and true returned. */
    send(text) {
      if (this._destroyed) return false;
      var t = String(text);
      if (this._widget) return this._widget.send(t);
      this._queue.push(function (w) { w.send(t); });
      return true;
    }

    setConfig(partial) {
      var c = normalize(partial);
      Object.assign(this._config, c);
      this._call(function (w) { w.setConfig(c); });
    }

    /** The conversation in the API's messages format plus each answer's state. */
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

  if (!customElements.get("confab-chat")) customElements.define("confab-chat", ConfabChat);

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
  Object.defineProperty(window, "Confab", { value: Object.freeze(Confab), writable: false, configurable: false });

  // The script tag's own data-* attributes: a launcher on this page.
  if (script) {
    var config = {};
    var any = false;
    NAMES.forEach(function (n) {
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
