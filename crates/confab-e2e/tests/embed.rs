//! Embedding on pages Confab does not control: the script tag from another origin, a hostile
//! host stylesheet, two instances, the JS API and its events, and a strict CSP.

use std::time::Duration;

use confab_e2e::{Browser, Server, Site, ENTER};
use serde_json::{json, Value};

const SECS: fn(u64) -> Duration = Duration::from_secs;

/// Records every confab:* event and CSP violation, and the window's own property names before
/// the loader runs (to prove it adds only `Confab`).
const RECORDER: &str = r#"
window.__namesBefore = Object.getOwnPropertyNames(window);
window.__events = [];
window.__violations = [];
["confab:ready", "confab:open", "confab:close", "confab:send", "confab:message", "confab:error"].forEach(function (n) {
  document.addEventListener(n, function (e) {
    window.__events.push({ name: n, detail: e.detail === undefined ? null : e.detail, target: e.target.tagName });
  });
});
document.addEventListener("securitypolicyviolation", function (e) {
  window.__violations.push(e.violatedDirective + " " + e.blockedURI + " " + e.sample);
});
"#;

const HOSTILE_CSS: &str = include_str!("../../../examples/hostile.css");

/// `w(i)` is the i-th <confab-chat>, `sr(i)` its shadow root.
const W: &str = "const w = (i) => document.querySelectorAll('confab-chat')[i || 0]; \
                 const sr = (i) => w(i) && w(i).shadowRoot;";

async fn q(browser: &Browser, expr: &str) -> Value {
    browser.js(&format!("{W}\nreturn ({expr});"), vec![]).await
}

async fn q_wait(browser: &Browser, what: &str, expr: &str) -> Value {
    browser
        .page_wait(
            what,
            &format!("(function () {{ {W}\nreturn ({expr}); }})()"),
            SECS(20),
        )
        .await
}

/// `page` (with the recorder and the built widget) served by the mock API at full speed, open in
/// a fresh browser.
async fn open_page(name: &str, page: &str, server_args: &[&str]) -> (Site, Server, Browser) {
    let site = Site::new(
        &[
            (name, page.to_owned()),
            ("recorder.js", RECORDER.to_owned()),
        ],
        true,
    );
    let mut args = vec!["--tokens-per-second", "0"];
    args.extend_from_slice(server_args);
    let server = Server::serving(&site.dir, &args);
    let browser = Browser::start().await;
    browser.goto(&format!("{}/{name}", server.url)).await;
    (site, server, browser)
}

/// Waits for the first <confab-chat>'s launcher button (confab.js's, until the widget loads).
async fn wait_for_launcher(browser: &Browser) {
    q_wait(
        browser,
        "the launcher",
        "sr(0) && sr(0).querySelector('.confab__launcher')",
    )
    .await;
}

/// Waits until the first <confab-chat> holds `count` messages, the last an answer that is done.
async fn wait_for_answer(browser: &Browser, count: usize) {
    q_wait(
        browser,
        "the answer",
        &format!(
            "w(0).messages().length === {count} && w(0).messages()[{}].state === 'done'",
            count - 1
        ),
    )
    .await;
}

fn events(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn script_tag_from_another_origin_survives_a_hostile_page() {
    let assets = Server::start(&["--tokens-per-second", "100"]);
    let page = format!(
        r#"<!doctype html><html><head><meta charset="utf-8"><title>host</title>
<link rel="stylesheet" href="hostile.css"><script src="recorder.js"></script>
<script src="{a}/confab.js" data-endpoint="{a}/v1" data-model="mock-echo" data-storage-key="hostile" defer></script>
</head><body><h1 id="host-title">Host page</h1><p class="confab__panel confab__msg" id="leak-probe">probe</p>
<div id="hidden-div">hidden by the host</div><div id="Confab">an element whose id is also window.Confab</div></body></html>"#,
        a = assets.url
    );
    let control = r#"<!doctype html><html><head><script src="recorder.js"></script></head><body><textarea id="t"></textarea></body></html>"#;
    let site = Site::new(
        &[
            ("index.html", page),
            ("control.html", control.to_owned()),
            ("hostile.css", HOSTILE_CSS.to_owned()),
            ("recorder.js", RECORDER.to_owned()),
        ],
        false,
    );
    let host = Server::serving(&site.dir, &[]);
    assert_ne!(host.url, assets.url, "two origins");
    let browser = Browser::start().await;
    browser.goto(&format!("{}/index.html", host.url)).await;

    wait_for_launcher(&browser).await;
    assert_eq!(
        q(&browser, "Confab.base").await,
        format!("{}/", assets.url),
        "assets load from next to confab.js"
    );
    let rect = q(
        &browser,
        "(() => { const r = sr(0).querySelector('.confab__launcher').getBoundingClientRect(); \
        return [r.width, r.height, innerWidth - r.right, innerHeight - r.bottom]; })()",
    )
    .await;
    let r: Vec<f64> = rect
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert!(
        r[0] >= 50.0 && r[1] >= 50.0,
        "the launcher keeps its size: {r:?}"
    );
    assert!(
        (0.0..40.0).contains(&r[2]) && (0.0..40.0).contains(&r[3]),
        "bottom-right: {r:?}"
    );
    // Until it is used, the launcher is drawn by confab.js alone: the widget is not fetched.
    const WIDGET_FETCHED: &str =
        "performance.getEntriesByType('resource').some(e => /confab-widget/.test(e.name))";
    assert_eq!(q(&browser, WIDGET_FETCHED).await, false);
    assert_eq!(
        q(&browser, "!!sr(0).querySelector('.confab__panel')").await,
        false
    );
    // Hovering fetches it; only a click mounts it.
    q(
        &browser,
        "sr(0).querySelector('.confab__launcher').dispatchEvent(new PointerEvent('pointerenter'))",
    )
    .await;
    q_wait(
        &browser,
        "the wasm fetched on hover",
        "performance.getEntriesByType('resource').some(e => e.name.endsWith('confab-widget_bg.wasm'))",
    )
    .await;
    assert_eq!(
        q(&browser, "!!sr(0).querySelector('.confab__panel')").await,
        false,
        "hovering does not mount"
    );

    q(&browser, "sr(0).querySelector('.confab__launcher').click()").await;
    q_wait(
        &browser,
        "the panel",
        "sr(0).querySelector('.confab__panel').getBoundingClientRect().height > 300",
    )
    .await;
    assert_eq!(
        q(
            &browser,
            "getComputedStyle(sr(0).querySelector('.confab')).fontSize"
        )
        .await,
        "15px",
        "host fonts do not reach in"
    );
    assert_eq!(
        q(
            &browser,
            "getComputedStyle(sr(0).querySelector('textarea')).fontSize"
        )
        .await,
        "15px"
    );
    assert_eq!(
        q(
            &browser,
            "getComputedStyle(sr(0).querySelector('textarea')).boxSizing"
        )
        .await,
        "border-box"
    );
    assert_eq!(
        q(
            &browser,
            "sr(0).activeElement === sr(0).querySelector('textarea')"
        )
        .await,
        true,
        "opening focuses the composer"
    );

    browser
        .type_keys(&format!("hello from a hostile page{ENTER}"))
        .await;
    wait_for_answer(&browser, 2).await;
    assert_eq!(
        q(&browser, "w(0).messages()[1].content").await,
        "hello from a hostile page"
    );

    // The host's own elements keep their styles; the widget's styles do not leak out.
    assert_eq!(
        q(
            &browser,
            "getComputedStyle(document.getElementById('host-title')).color"
        )
        .await,
        "rgb(170, 0, 0)"
    );
    assert_eq!(
        q(
            &browser,
            "getComputedStyle(document.getElementById('leak-probe')).backgroundColor"
        )
        .await,
        "rgba(0, 0, 0, 0)"
    );
    assert_eq!(
        q(
            &browser,
            "getComputedStyle(document.getElementById('hidden-div')).display"
        )
        .await,
        "none"
    );
    let names = events(&q(&browser, "__events").await);
    assert_eq!(
        names,
        [
            "confab:ready",
            "confab:open",
            "confab:send",
            "confab:message"
        ]
    );
    assert_eq!(
        q(&browser, "__events.every(e => e.target === 'CONFAB-CHAT')").await,
        true
    );

    // The only global the loader defines is `Confab`. ChromeDriver adds helpers of its own when
    // it runs scripts, so a control page without the loader, polled the same way, is subtracted.
    let added = "Object.getOwnPropertyNames(window).filter(n => !__namesBefore.includes(n) && !n.startsWith('__'))";
    let with_confab = q(&browser, added).await;
    browser.goto(&format!("{}/control.html", host.url)).await;
    browser
        .page_wait(
            "the control page",
            "window.__events && document.readyState === 'complete'",
            SECS(5),
        )
        .await;
    // Returning an element and typing, as above, is what makes ChromeDriver add its helpers.
    q(&browser, "document.getElementById('t')").await;
    q(&browser, "document.getElementById('t').focus()").await;
    browser.type_keys("x").await;
    let control = q(&browser, added).await;
    let control: Vec<&Value> = control.as_array().unwrap().iter().collect();
    let ours: Vec<&Value> = with_confab
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| !control.contains(n))
        .collect();
    assert_eq!(
        ours,
        [&json!("Confab")],
        "globals added: {with_confab} (ChromeDriver's: {control:?})"
    );
    browser.close().await;
}

#[tokio::test]
async fn two_inline_instances_keep_separate_histories_across_a_reload() {
    let page = r#"<!doctype html><html><head><meta charset="utf-8"><script src="confab.js" defer></script></head><body>
<confab-chat mode="inline" endpoint="/v1" model="mock-echo" storage-key="a" title="A"></confab-chat>
<confab-chat mode="inline" endpoint="/v1" model="mock-echo" storage-key="b" title="B"></confab-chat>
</body></html>"#;
    let site = Site::new(&[("two.html", page.to_owned())], true);
    let server = Server::serving(&site.dir, &["--tokens-per-second", "0"]);
    let browser = Browser::start().await;
    browser.goto(&format!("{}/two.html", server.url)).await;
    q_wait(
        &browser,
        "both widgets",
        "sr(0) && sr(1) && sr(0).querySelector('textarea') && sr(1).querySelector('textarea')",
    )
    .await;
    assert_eq!(
        q(&browser, "sr(0).querySelector('.confab__panel').hidden").await,
        false,
        "inline shows the panel"
    );

    assert_eq!(q(&browser, "w(0).send('for A')").await, true);
    wait_for_answer(&browser, 2).await;
    q(&browser, "sr(1).querySelector('textarea').focus()").await;
    browser.type_keys(&format!("for B{ENTER}")).await;
    q_wait(
        &browser,
        "B's answer",
        "w(1).messages().length === 2 && w(1).messages()[1].state === 'done'",
    )
    .await;
    let contents = "[0, 1].map(i => w(i).messages().map(m => m.content))";
    assert_eq!(
        q(&browser, contents).await,
        json!([["for A", "for A"], ["for B", "for B"]])
    );

    browser.goto(&format!("{}/two.html", server.url)).await;
    q_wait(
        &browser,
        "restored histories",
        "sr(0) && sr(1) && w(0).messages().length === 2 && w(1).messages().length === 2",
    )
    .await;
    assert_eq!(
        q(&browser, contents).await,
        json!([["for A", "for A"], ["for B", "for B"]])
    );
    assert_eq!(
        q(
            &browser,
            "sr(1).querySelector('.confab__msg--user .confab__content').textContent"
        )
        .await,
        "for B"
    );
    browser.close().await;
}

#[tokio::test]
async fn every_js_method_and_event() {
    let page = r#"<!doctype html><html><head><meta charset="utf-8"><script src="recorder.js"></script>
<script src="confab.js" defer></script></head><body><div id="slot"></div></body></html>"#;
    let (_site, _server, browser) = open_page("api.html", page, &[]).await;
    browser
        .page_wait(
            "Confab",
            "window.Confab && document.readyState === 'complete'",
            SECS(10),
        )
        .await;
    browser
        .page("(window.__el = Confab.mount(document.getElementById('slot'), {endpoint: location.origin + '/v1', \
               model: 'mock-echo', persist: 'none', temperature: 0.5, stop: ['x', 'y']}), true)")
        .await;
    browser
        .page_wait(
            "the launcher",
            "__el.shadowRoot && __el.shadowRoot.querySelector('.confab__launcher')",
            SECS(10),
        )
        .await;
    assert_eq!(browser.page("__el.tagName").await, "CONFAB-CHAT");
    assert_eq!(browser.page("__el.parentElement.id").await, "slot");
    assert_eq!(
        browser.page("__el.isOpen()").await,
        false,
        "launcher mode starts closed"
    );
    assert_eq!(
        browser.page("__events.length").await,
        0,
        "a launcher loads the widget when it is first used"
    );

    // open() loads it, mounts it and opens it, in that order.
    browser.page("__el.open()").await;
    browser
        .page_wait(
            "open",
            "__events.some(e => e.name === 'confab:open')",
            SECS(20),
        )
        .await;
    assert_eq!(
        events(&browser.page("__events").await),
        ["confab:ready", "confab:open"]
    );
    assert_eq!(browser.page("__el.isOpen()").await, true);
    browser.page("__el.close()").await;
    browser
        .page_wait(
            "close",
            "__events.some(e => e.name === 'confab:close')",
            SECS(5),
        )
        .await;
    assert_eq!(
        browser
            .page("__el.shadowRoot.querySelector('.confab__panel').hidden")
            .await,
        true
    );
    browser.page("__el.toggle()").await;
    browser
        .page_wait(
            "open again",
            "__el.isOpen() && !__el.shadowRoot.querySelector('.confab__panel').hidden",
            SECS(5),
        )
        .await;

    assert_eq!(
        browser.page("__el.send('   ')").await,
        false,
        "blank is not sent"
    );
    assert_eq!(browser.page("__el.send('hello api')").await, true);
    let message = browser
        .page_wait(
            "the message event",
            "__events.filter(e => e.name === 'confab:message').map(e => e.detail)[0]",
            SECS(10),
        )
        .await;
    assert_eq!(message["content"], "hello api");
    assert_eq!(message["state"], "done");
    let sent = browser
        .page("__events.find(e => e.name === 'confab:send').detail")
        .await;
    assert_eq!(sent, json!({"content": "hello api"}));
    let msgs = browser.page("__el.messages()").await;
    assert_eq!(msgs[0], json!({"role": "user", "content": "hello api"}));
    let a = &msgs[1];
    assert_eq!(a["role"], "assistant");
    assert_eq!(a["content"], "hello api");
    assert_eq!(a["state"], "done");
    assert_eq!(a["finish_reason"], "stop");
    assert!(a["usage"]["total_tokens"].as_u64().unwrap() > 0);
    for key in ["reasoning", "refusal", "error"] {
        assert_eq!(a[key], Value::Null, "{key}");
    }
    assert_eq!(
        a["choices"],
        json!([{"index": 0, "content": "hello api", "finish_reason": "stop", "tool_calls": null, "reasoning": null}])
    );

    // Errors: an event with the message, its state and the error's status.
    browser.page("__el.setConfig({model: 'mock-500'})").await;
    browser.page("__el.send('please fail')").await;
    let error = browser
        .page_wait(
            "the error event",
            "__events.filter(e => e.name === 'confab:error').map(e => e.detail)[0]",
            SECS(10),
        )
        .await;
    assert_eq!(error["state"], "error");
    assert_eq!(error["error"]["status"], 500);
    // As in OpenAI's and Vercel's SDKs: `message` is the server's own words, exactly; the
    // widget's sentence is `description`.
    assert_eq!(error["error"]["message"], "The mock was asked to fail.");
    assert_eq!(error["error"]["type"], "server_error");
    assert_eq!(error["error"]["code"], "mock_failure");
    assert!(error["error"]["description"]
        .as_str()
        .unwrap()
        .contains("HTTP 500"));

    // stop() keeps the partial answer.
    browser.page("__el.setConfig({model: 'mock-slow'})").await;
    browser
        .page_wait(
            "Send ready",
            "!__el.shadowRoot.querySelector('.confab__stop')",
            SECS(5),
        )
        .await;
    browser.page("__el.send('go slowly')").await;
    browser
        .page_wait(
            "some text",
            "(__el.messages()[5] || {content: ''}).content.length > 5",
            SECS(10),
        )
        .await;
    browser.page("__el.stop()").await;
    let stopped = browser
        .page_wait("stopped", "__events.filter(e => e.name === 'confab:message').map(e => e.detail).find(d => d.state === 'stopped')", SECS(5))
        .await;
    assert!(stopped["content"].as_str().unwrap().starts_with("This is"));

    // setConfig reports bad values in the widget, by name; attributes are live too.
    browser.page("__el.setConfig({temperature: 9})").await;
    let problem = browser
        .page_wait(
            "the problem",
            "(__el.shadowRoot.querySelector('.confab__problem') || {}).textContent",
            SECS(5),
        )
        .await;
    assert!(
        problem
            .as_str()
            .unwrap()
            .contains("`temperature` must be a number from 0 to 2"),
        "{problem}"
    );
    browser.page("__el.setAttribute('title', 'Renamed')").await;
    browser
        .page_wait(
            "the new title",
            "__el.shadowRoot.querySelector('.confab__title').textContent === 'Renamed'",
            SECS(5),
        )
        .await;

    browser.page("__el.clear()").await;
    browser
        .page_wait("cleared", "__el.messages().length === 0", SECS(5))
        .await;
    browser.page("__el.destroy()").await;
    assert_eq!(
        browser.page("document.querySelector('confab-chat')").await,
        Value::Null
    );
    assert_eq!(browser.page("__el.send('after destroy')").await, false);
    assert_eq!(browser.page("__el.messages()").await, json!([]));
    browser.close().await;
}

#[tokio::test]
async fn works_under_a_strict_content_security_policy() {
    let csp = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; connect-src 'self'; require-trusted-types-for 'script'; trusted-types 'none'";
    let page = r##"<!doctype html><html><head><meta charset="utf-8"><script src="recorder.js"></script>
<script src="confab.js" data-endpoint="/v1" data-model="mock-echo" data-accent="#0a7d4f" data-persist="none" defer></script>
</head><body><p>CSP page</p></body></html>"##;
    let header = format!("Content-Security-Policy: {csp}");
    let (_site, _server, browser) = open_page("csp.html", page, &["--header", &header]).await;
    wait_for_launcher(&browser).await;
    let launcher_colour =
        "getComputedStyle(sr(0).querySelector('.confab__launcher')).backgroundColor";
    assert_eq!(
        q(&browser, launcher_colour).await,
        "rgb(10, 125, 79)",
        "the launcher's stylesheet and the accent apply under the CSP"
    );
    q(&browser, "w(0).open()").await;
    q_wait(
        &browser,
        "the widget",
        "sr(0).querySelector('.confab__panel')",
    )
    .await;
    assert_eq!(
        q(&browser, launcher_colour).await,
        "rgb(10, 125, 79)",
        "the widget's stylesheet and the accent apply under the CSP"
    );
    q(&browser, "w(0).send('under csp')").await;
    wait_for_answer(&browser, 2).await;
    assert_eq!(
        q(
            &browser,
            "sr(0).querySelector('.confab__msg--assistant .confab__content').textContent"
        )
        .await,
        "under csp"
    );
    // Trusted Types ('none': no policy may be made) forbid every HTML sink. Every view the
    // widget has is built under them: markdown of each kind, reasoning, a refusal, both panels.
    let markdown = "# Title\n\n- *one*\n- **two**\n\n```rust\nfn main() {}\n```\n\n\
                    | a | b |\n|---|---|\n| 1 | 2 |\n\n> a [link](https://example.com/) and `code`";
    q(&browser, &format!("w(0).send({})", json!(markdown))).await;
    wait_for_answer(&browser, 4).await;
    let last = "[...sr(0).querySelectorAll('.confab__msg--assistant .confab__content')].pop()";
    assert_eq!(
        q(&browser, &format!("[...{last}.querySelectorAll('h1, ul, em, strong, pre, table, blockquote, a, code')].map(e => e.tagName).join(' ')")).await,
        "H1 UL EM STRONG PRE CODE TABLE BLOCKQUOTE A CODE"
    );
    for (model, selector) in [
        ("mock-reasoning", "details summary"),
        ("mock-refusal", ".confab__refusal strong"),
    ] {
        q(
            &browser,
            &format!("w(0).setAttribute('model', '{model}'), w(0).send('{model}')"),
        )
        .await;
        q_wait(
            &browser,
            model,
            &format!("[...sr(0).querySelectorAll('.confab__msg--assistant')].pop().querySelector('{selector}') !== null && w(0).messages().at(-1).state === 'done'"),
        )
        .await;
    }
    q(
        &browser,
        "sr(0).querySelector('.confab__settings-btn').click()",
    )
    .await;
    q_wait(
        &browser,
        "the settings",
        "sr(0).querySelector('.confab__settings legend') !== null",
    )
    .await;
    q(
        &browser,
        "sr(0).querySelector('.confab__history-btn').click()",
    )
    .await;
    q_wait(
        &browser,
        "the history",
        "sr(0).querySelector('.confab__history') !== null",
    )
    .await;
    assert_eq!(
        browser.page("__violations").await,
        json!([]),
        "no CSP violation"
    );
    browser.close().await;
}

#[tokio::test]
async fn a_page_with_its_own_confab_global_that_loads_the_script_twice_still_gets_one_chat() {
    let page = r#"<!doctype html><html><head><meta charset="utf-8"><script src="recorder.js"></script>
<script>var Confab = "the page's own";</script>
<script src="confab.js" data-endpoint="/v1" data-model="mock-echo" data-persist="none"></script>
<script src="confab.js" data-endpoint="/v1" data-model="mock-echo" data-persist="none"></script>
</head><body><p>host</p></body></html>"#;
    let (_site, _server, browser) = open_page("global.html", page, &[]).await;
    wait_for_launcher(&browser).await;
    assert_eq!(
        q(&browser, "window.Confab").await,
        "the page's own",
        "the page keeps its global"
    );
    q(&browser, "w(0).send('still works')").await;
    wait_for_answer(&browser, 2).await;
    assert_eq!(
        q(&browser, "document.querySelectorAll('confab-chat').length").await,
        1,
        "the second copy of the script adds nothing"
    );
    browser.close().await;
}

#[tokio::test]
async fn a_fullpage_widget_fills_the_window_and_takes_the_cursor() {
    let page = r#"<!doctype html><html><head><meta charset="utf-8"><script src="recorder.js"></script>
<script src="confab.js"></script></head><body><p>The page's own text, under the chat.</p>
<confab-chat mode="fullpage" endpoint="/v1" model="mock-echo" persist="none" title="Full"></confab-chat>
</body></html>"#;
    let (_site, _server, browser) = open_page("full.html", page, &[]).await;
    q_wait(
        &browser,
        "the widget",
        "sr(0) && sr(0).querySelector('.confab__panel')",
    )
    .await;
    let rect = q(
        &browser,
        "(() => { const r = sr(0).querySelector('.confab__panel').getBoundingClientRect();          return [r.left, r.top, innerWidth - r.right, innerHeight - r.bottom]; })()",
    )
    .await;
    assert_eq!(rect, json!([0, 0, 0, 0]), "the panel covers the window");
    assert_eq!(
        q(
            &browser,
            "[!!sr(0).querySelector('.confab__launcher'), !!sr(0).querySelector('.confab__close')]"
        )
        .await,
        json!([false, false]),
        "no launcher and nothing to close"
    );
    q_wait(
        &browser,
        "the cursor in the composer",
        "sr(0).activeElement === sr(0).querySelector('textarea')",
    )
    .await;
    browser.type_keys("hello fullpage").await;
    browser.type_keys(ENTER).await;
    wait_for_answer(&browser, 2).await;
    assert_eq!(
        q(&browser, "w(0).messages()[1].content").await,
        "hello fullpage"
    );
    browser.close().await;
}

#[tokio::test]
async fn a_site_owner_puts_the_key_in_the_proxy_not_in_the_page() {
    const KEY: &str = "sk-site-owner-0123456789abcdef01234567";
    // The API (the mock), the proxy holding the key and serving the widget, and the host page,
    // each on its own origin.
    let api = Server::start(&["--tokens-per-second", "50"]);
    let host_site = Site::new(&[("recorder.js", RECORDER.to_owned())], false);
    let host = Server::serving(&host_site.dir, &[]);
    let upstream = format!("{}/v1", api.url);
    let proxy = Server::proxy(
        &upstream,
        &[
            "--allow-origin",
            &host.url,
            "--model",
            "mock-inspect",
            "--model",
            "mock",
        ],
        KEY,
    );
    let page = format!(
        r#"<!doctype html><html><head><meta charset="utf-8"><script src="recorder.js"></script>
<script src="{p}/confab.js" data-endpoint="{p}/v1" data-model="mock-inspect" data-storage-key="shop" defer></script>
</head><body><p>A shop</p></body></html>"#,
        p = proxy.url
    );
    std::fs::write(host_site.dir.join("shop.html"), page).expect("write the page");
    let browser = Browser::start().await;
    browser.goto(&format!("{}/shop.html", host.url)).await;
    wait_for_launcher(&browser).await;
    q(&browser, "w(0).send('who am I?')").await;
    wait_for_answer(&browser, 2).await;
    let seen: Value = serde_json::from_str(
        q(&browser, "w(0).messages()[1].content")
            .await
            .as_str()
            .expect("text"),
    )
    .expect("mock-inspect's JSON");
    assert_eq!(
        seen["headers"]["authorization"],
        format!("Bearer <{} characters>", KEY.len()),
        "the proxy added its key"
    );
    let page_text = q(
        &browser,
        "document.documentElement.outerHTML + JSON.stringify(localStorage) + JSON.stringify(w(0).messages())",
    )
    .await;
    assert!(
        !page_text.as_str().unwrap().contains(KEY),
        "the key is nowhere in the page"
    );

    // A streamed answer crosses both origins as it is written.
    q(
        &browser,
        "w(0).setConfig({ model: 'mock' }), w(0).send('stream please')",
    )
    .await;
    q_wait(
        &browser,
        "a part of the answer",
        "w(0).messages().length === 4 && w(0).messages()[3].state === 'streaming' && w(0).messages()[3].content.length > 0",
    )
    .await;
    q_wait(&browser, "its end", "w(0).messages()[3].state === 'done'").await;

    // A model the proxy does not offer is refused, in words.
    q(
        &browser,
        "w(0).setConfig({ model: 'gpt-4o' }), w(0).send('expensive')",
    )
    .await;
    q_wait(
        &browser,
        "the refusal",
        "w(0).messages().length === 6 && w(0).messages()[5].state === 'error'",
    )
    .await;
    let error = q(&browser, "w(0).messages()[5].error.message").await;
    assert!(
        error
            .as_str()
            .unwrap()
            .contains("does not offer the model \u{201c}gpt-4o\u{201d}"),
        "{error}"
    );
    browser.close().await;
}

#[tokio::test]
async fn the_launcher_stays_on_top_and_in_view_on_a_transformed_page() {
    // A transformed body makes `position: fixed` relative to the body, not the window, and a
    // page element with the highest z-index covers the corner: the launcher and its panel are
    // in the top layer, so neither matters.
    let page = r#"<!doctype html><html><head><meta charset="utf-8"><script src="recorder.js"></script>
<style>body { margin: 0; transform: translateZ(0); } .tall { height: 4000px; }
.cover { position: fixed; right: 0; bottom: 0; width: 50vw; height: 100vh; z-index: 2147483647; background: rgba(255, 0, 0, 0.2); }</style>
<script src="confab.js" data-endpoint="/v1" data-model="mock-echo" data-persist="none"></script>
</head><body><div class="tall">A long page</div><div class="cover"></div></body></html>"#;
    let (_site, _server, browser) = open_page("transformed.html", page, &[]).await;
    wait_for_launcher(&browser).await;
    q(&browser, "window.scrollTo(0, 1500)").await;
    // [top, bottom, right gap] of an element of the widget, and whether a click at its centre
    // reaches the widget rather than the page's cover.
    let place = |sel: &str| {
        format!(
            "(() => {{ const r = sr(0).querySelector('{sel}').getBoundingClientRect(); \
             const hit = document.elementFromPoint((r.left + r.right) / 2, (r.top + r.bottom) / 2); \
             return [r.top >= 0 && r.bottom <= innerHeight && r.right <= innerWidth, hit === w(0)]; }})()"
        )
    };
    assert_eq!(
        q(&browser, &place(".confab__launcher")).await,
        json!([true, true]),
        "the facade's launcher is in the window and on top"
    );
    q(&browser, "w(0).open()").await;
    q_wait(
        &browser,
        "the panel",
        "w(0).isOpen() && sr(0).querySelector('.confab__panel') && !sr(0).querySelector('.confab__panel').hidden",
    )
    .await;
    assert_eq!(
        q(&browser, &place(".confab__panel")).await,
        json!([true, true]),
        "the panel is in the window and on top"
    );
    assert_eq!(
        q(&browser, &place(".confab__launcher")).await,
        json!([true, true]),
        "the widget's launcher too"
    );
    q(&browser, "w(0).send('on top')").await;
    wait_for_answer(&browser, 2).await;
    // The wheel over the conversation, past its end, does not scroll the page under it.
    let centre = q(
        &browser,
        "(() => { const r = sr(0).querySelector('.confab__log').getBoundingClientRect(); \
         return [(r.left + r.right) / 2, (r.top + r.bottom) / 2]; })()",
    )
    .await;
    let before = q(&browser, "window.scrollY").await;
    for _ in 0..3 {
        browser
            .cdp(
                "Input.dispatchMouseEvent",
                json!({"type": "mouseWheel", "x": centre[0], "y": centre[1], "deltaX": 0, "deltaY": 400}),
            )
            .await;
    }
    tokio::time::sleep(SECS(1)).await;
    assert_eq!(
        q(&browser, "window.scrollY").await,
        before,
        "the page did not scroll"
    );
    // Moved in the page (as frameworks do), it goes back to the top layer.
    q(
        &browser,
        "document.body.insertBefore(w(0), document.body.firstChild)",
    )
    .await;
    q_wait(
        &browser,
        "the popovers shown again",
        "sr(0).querySelector('.confab__launcher').matches(':popover-open') && sr(0).querySelector('.confab__panel').matches(':popover-open')",
    )
    .await;
    assert_eq!(
        q(&browser, &place(".confab__panel")).await,
        json!([true, true]),
        "after the move, the panel is in the window and on top"
    );
    q(&browser, "w(0).close()").await;
    q_wait(
        &browser,
        "the panel hidden",
        "sr(0).querySelector('.confab__panel').hidden && getComputedStyle(sr(0).querySelector('.confab__panel')).display === 'none'",
    )
    .await;
    browser.close().await;
}

/// Leptos builds an element whose parts are all literals from an HTML string (`innerHTML`). No
/// view of ours may be such an element (see `src/components/mod.rs`), so the built glue has no
/// `innerHTML` setter to import. This catches a new one before a Trusted Types page does.
#[test]
fn no_view_builds_dom_from_html() {
    let glue = std::fs::read_to_string(confab_e2e::dist().join("confab-widget.js"))
        .expect("the built widget's glue");
    assert!(
        glue.contains("createElement") && glue.contains("createTextNode"),
        "this is the widget's glue: it builds DOM nodes"
    );
    assert!(
        !glue.contains("innerHTML")
            && !glue.contains("outerHTML")
            && !glue.contains("insertAdjacentHTML"),
        "the widget's glue imports an HTML sink; look for a view! element that is all literals"
    );
}

/// The computed look and place of a <confab-chat>'s launcher button.
fn launcher_look(i: usize) -> String {
    format!(
        "(() => {{ const b = sr({i}).querySelector('.confab__launcher'); const s = getComputedStyle(b); \
         const r = b.getBoundingClientRect(); \
         return [r.x, r.y, r.width, r.height, s.backgroundColor, s.color, s.borderRadius, s.boxShadow, \
                 s.zIndex, s.cursor, s.position].join(' | '); }})()"
    )
}

#[tokio::test]
async fn the_launcher_looks_the_same_before_and_after_the_widget_loads() {
    // Two launchers with the same settings in the same place: the first waits to be used (its
    // button is confab.js's facade), the second loads at once (its button is the widget's).
    let page = r##"<!doctype html><html><head><meta charset="utf-8"><script src="recorder.js"></script>
<script src="confab.js" defer></script></head><body>
<confab-chat endpoint="/v1" model="mock-echo" persist="none" position="top-left" theme="dark" accent="#c026d3"></confab-chat>
<confab-chat loading="eager" endpoint="/v1" model="mock-echo" persist="none" position="top-left" theme="dark" accent="#c026d3"></confab-chat>
</body></html>"##;
    let (_site, _server, browser) = open_page("twins.html", page, &[]).await;
    q_wait(
        &browser,
        "the eager widget",
        "sr(1) && sr(1).querySelector('.confab__panel')",
    )
    .await;
    assert_eq!(
        q(&browser, "!!sr(0).querySelector('.confab__panel')").await,
        false,
        "the lazy one is still a facade"
    );
    assert_eq!(
        q(
            &browser,
            "sr(1).querySelectorAll('.confab__problem').length"
        )
        .await,
        0,
        "`loading` is the loader's setting, not a problem for the widget"
    );
    let facade = q(&browser, &launcher_look(0)).await;
    assert_eq!(facade, q(&browser, &launcher_look(1)).await);
    assert!(
        facade.as_str().unwrap().contains("rgb(192, 38, 211)"),
        "{facade}"
    );

    // Settings changed before the widget loads redraw the facade.
    let change = "{position: 'bottom-left', theme: 'light', accent: null}";
    q(&browser, &format!("w(0).setConfig({change})")).await;
    q(&browser, &format!("w(1).setConfig({change})")).await;
    q_wait(
        &browser,
        "the widget's launcher moved",
        "sr(1).querySelector('.confab__launcher').getBoundingClientRect().y > 100",
    )
    .await;
    let facade = q(&browser, &launcher_look(0)).await;
    assert_eq!(facade, q(&browser, &launcher_look(1)).await);
    assert!(
        facade.as_str().unwrap().contains("rgb(29, 78, 216)"),
        "the default accent: {facade}"
    );
    assert_eq!(
        q(&browser, "!!sr(0).querySelector('.confab__panel')").await,
        false
    );

    // A click mounts the widget, opens it and puts the cursor in its composer.
    q(&browser, "sr(0).querySelector('.confab__launcher').click()").await;
    q_wait(
        &browser,
        "the first widget open",
        "w(0).isOpen() && sr(0).activeElement === sr(0).querySelector('textarea')",
    )
    .await;
    assert_eq!(
        q(
            &browser,
            "sr(0).querySelector('.confab__launcher').getAttribute('aria-expanded')"
        )
        .await,
        "true"
    );
    assert_eq!(q(&browser, "w(1).isOpen()").await, false);
    assert_eq!(
        q(
            &browser,
            "sr(0).querySelectorAll('.confab__problem').length"
        )
        .await,
        0
    );
    browser.close().await;
}

#[tokio::test]
async fn a_launcher_whose_widget_cannot_load_says_so_and_tries_again() {
    let page = r#"<!doctype html><html><head><meta charset="utf-8"><script src="recorder.js"></script>
<script src="confab.js" data-endpoint="/v1" data-model="mock-echo" data-persist="none" defer></script>
</head><body><p>A host page.</p></body></html>"#;
    let (site, _server, browser) = open_page("broken.html", page, &[]).await;
    // The WebAssembly is missing (a half-finished deploy, a CDN error).
    let wasm = site.dir.join("confab-widget_bg.wasm");
    let parked = site.dir.join("parked.wasm");
    std::fs::rename(&wasm, &parked).expect("park the wasm");
    wait_for_launcher(&browser).await;
    q(&browser, "sr(0).querySelector('.confab__launcher').click()").await;
    let error = q_wait(
        &browser,
        "the error event",
        "__events.filter(e => e.name === 'confab:error').map(e => e.detail)[0]",
    )
    .await;
    assert_eq!(error["code"], "load_failed");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .starts_with("The chat widget could not be loaded from"),
        "{error}"
    );
    let button = "sr(0).querySelector('.confab__launcher')";
    assert_eq!(
        q(&browser, &format!("{button}.getAttribute('aria-label')")).await,
        "The chat could not be loaded. Try again"
    );
    assert_eq!(
        q(&browser, &format!("{button}.hasAttribute('aria-busy')")).await,
        false
    );

    // Once the file is back, the next click loads, mounts and opens the widget.
    std::fs::rename(&parked, &wasm).expect("restore the wasm");
    q(&browser, &format!("{button}.click()")).await;
    q_wait(
        &browser,
        "the widget open",
        "w(0).isOpen() && !sr(0).querySelector('.confab__panel').hidden",
    )
    .await;
    assert_eq!(
        q(&browser, &format!("{button}.getAttribute('aria-label')")).await,
        "Close the chat"
    );
    q(&browser, "w(0).send('loaded at last')").await;
    wait_for_answer(&browser, 2).await;
    browser.close().await;
}

#[tokio::test]
async fn a_module_script_tag_from_another_origin_works_too() {
    let assets = Server::start(&["--tokens-per-second", "0"]);
    let page = format!(
        r#"<!doctype html><html><head><meta charset="utf-8"><script src="recorder.js"></script>
<script type="module" src="{a}/confab.js" data-endpoint="{a}/v1" data-model="mock-echo" data-persist="none"></script>
</head><body><p>A host page.</p></body></html>"#,
        a = assets.url
    );
    let (_site, _server, browser) = open_page("module.html", &page, &[]).await;
    wait_for_launcher(&browser).await;
    assert_eq!(
        q(&browser, "Confab.base").await,
        format!("{}/", assets.url),
        "assets load from next to confab.js, not from the page"
    );
    q(&browser, "w(0).send('as a module')").await;
    wait_for_answer(&browser, 2).await;
    assert_eq!(
        q(&browser, "w(0).messages()[1].content").await,
        "as a module"
    );
    browser.close().await;
}

/// An answer that ends while the launcher's panel is closed puts a dot on the launcher (and
/// says so in its label) until the panel is opened again.
#[tokio::test]
async fn an_answer_that_ends_while_closed_marks_the_launcher() {
    let page = r#"<!doctype html><html><head><meta charset="utf-8"><script src="recorder.js"></script>
<script src="confab.js" data-endpoint="/v1" data-model="mock-slow" data-persist="none" defer></script>
</head><body><p>A host page.</p></body></html>"#;
    let (_site, _server, browser) = open_page("unread.html", page, &[]).await;
    wait_for_launcher(&browser).await;
    const BADGE: &str = "(() => { const b = sr(0).querySelector('.confab__badge'); \
        return b ? getComputedStyle(b).display !== 'none' : false; })()";
    const LABEL: &str = "sr(0).querySelector('.confab__launcher').getAttribute('aria-label')";
    q(&browser, "w(0).open()").await;
    q_wait(&browser, "the widget", "sr(0).querySelector('textarea')").await;
    q(&browser, "w(0).send('hello there')").await;
    q_wait(
        &browser,
        "the answer streaming",
        "w(0).messages().length === 2",
    )
    .await;
    assert_eq!(q(&browser, BADGE).await, false, "no dot while open");
    q(&browser, "w(0).close()").await;
    wait_for_answer(&browser, 2).await;
    q_wait(&browser, "the dot", BADGE).await;
    assert_eq!(q(&browser, LABEL).await, "Open the chat (a new answer)");
    q(&browser, "w(0).open()").await;
    q_wait(&browser, "the dot gone", &format!("!{BADGE}")).await;
    q(&browser, "w(0).close()").await;
    q_wait(
        &browser,
        "the plain label",
        &format!("{LABEL} === 'Open the chat'"),
    )
    .await;
    browser.close().await;
}

/// Abuse mid-answer, each step followed by a message that must be answered, with the harness's
/// guard failing the test on any uncaught error, unhandled rejection or panic: Stop (its
/// aborted request used to reject a promise nobody handled, one per Stop), Clear, a burst of
/// sends, the element taken out and put back, Settings and back, another endpoint and model,
/// another storage key, and destroy() followed by a new mount.
#[tokio::test]
async fn nothing_crashes_or_leaks_whatever_is_done_mid_answer() {
    let page = r#"<!doctype html><html><head><meta charset="utf-8"><script src="confab.js" defer></script>
</head><body><div id="slot"></div></body></html>"#;
    let (_site, _server, browser) = open_page("abuse.html", page, &[]).await;
    browser
        .page_wait(
            "Confab",
            "window.Confab && document.readyState === 'complete'",
            SECS(10),
        )
        .await;
    let mount = "(window.__el = Confab.mount(document.getElementById('slot'), {endpoint: location.origin + '/v1', \
                 model: 'mock-slow', mode: 'inline', persist: 'local'}), true)";
    let ready = "window.__el && __el.shadowRoot && !!__el.shadowRoot.querySelector('textarea')";
    let last = "(() => { const m = __el.messages(); return m[m.length - 1] || {}; })()";
    let streaming = format!("{last}.state === 'streaming' && {last}.content.length > 0");
    browser.page(mount).await;
    browser.page_wait("the widget", ready, SECS(20)).await;

    // A message at full speed that must be answered, between the steps.
    let answered = |n: u32| {
        let browser = &browser;
        async move {
            let text = format!("still answering {n}");
            browser.page("__el.setConfig({model: 'mock-echo'})").await;
            assert_eq!(
                browser.page(&format!("__el.send('{text}')")).await,
                true,
                "{text}"
            );
            browser
                .page_wait(
                    &text,
                    &format!("{last}.state === 'done' && {last}.content === '{text}'"),
                    SECS(10),
                )
                .await;
            browser.page("__el.setConfig({model: 'mock-slow'})").await;
            browser.assert_no_problems().await;
        }
    };
    let start_slow = |text: &'static str| {
        let browser = &browser;
        let streaming = streaming.clone();
        async move {
            assert_eq!(browser.page(&format!("__el.send('{text}')")).await, true);
            browser
                .page_wait("a streaming answer", &streaming, SECS(10))
                .await;
        }
    };

    start_slow("stop me").await;
    browser.page("__el.stop()").await;
    browser
        .page_wait("stopped", &format!("{last}.state === 'stopped'"), SECS(5))
        .await;
    answered(1).await;

    start_slow("clear me").await;
    browser.page("__el.clear()").await;
    browser
        .page_wait("cleared", "__el.messages().length === 0", SECS(5))
        .await;
    answered(2).await;

    start_slow("burst").await;
    let more = browser
        .page("Array.from({length: 20}, (_, i) => __el.send('again ' + i))")
        .await;
    assert_eq!(
        more,
        serde_json::json!(vec![false; 20]),
        "nothing more is sent while an answer comes"
    );
    browser.page("__el.stop()").await;
    answered(3).await;

    start_slow("move me").await;
    browser
        .page("(() => { const p = __el.parentNode; p.removeChild(__el); p.appendChild(__el); return true; })()")
        .await;
    browser.page("__el.stop()").await;
    answered(4).await;

    // Settings and back while the answer streams: it goes on streaming into its message.
    start_slow("look at the settings").await;
    let toggle = "(__el.shadowRoot.querySelector('.confab__settings-btn').click(), true)";
    browser.page(toggle).await;
    browser
        .page_wait(
            "Settings",
            "!!__el.shadowRoot.querySelector('.confab__settings')",
            SECS(5),
        )
        .await;
    browser.page(toggle).await;
    browser
        .page_wait(
            "the conversation again",
            &format!("!__el.shadowRoot.querySelector('.confab__settings') && {streaming}"),
            SECS(5),
        )
        .await;
    browser.page("__el.stop()").await;
    answered(5).await;

    // Another endpoint (the same server by another address) and model while an answer streams.
    start_slow("change the server").await;
    browser
        .page("__el.setConfig({endpoint: location.origin.replace('127.0.0.1', 'localhost') + '/v1', model: 'mock-fast'})")
        .await;
    browser.page("__el.stop()").await;
    answered(6).await;

    start_slow("another history").await;
    browser
        .page("__el.setConfig({'storage-key': 'elsewhere'})")
        .await;
    answered(7).await;

    start_slow("destroy me").await;
    browser.page("__el.destroy()").await;
    assert_eq!(
        browser.page("document.querySelector('confab-chat')").await,
        Value::Null
    );
    browser.page(mount).await;
    browser.page_wait("the new widget", ready, SECS(20)).await;
    answered(8).await;

    // Idle, destroyed at once.
    browser.page("__el.destroy()").await;
    browser.settle().await;
    browser.close().await;
}

/// The harness's guard sees what it is there to see: an unhandled rejection, an uncaught error
/// and a panic reported on the console (each would fail the test that caused it).
#[tokio::test]
async fn the_harness_guard_catches_errors_rejections_and_panics() {
    let page = r#"<!doctype html><html><head><meta charset="utf-8"></head><body>
<script>
  Promise.reject(new TypeError("network error"));
  setTimeout(() => { throw new Error("thrown later"); }, 0);
  console.error("Confab crashed: panicked at src/x.rs:1:1");
  console.error("an ordinary console error is not a problem");
</script></body></html>"#;
    let (_site, _server, browser) = open_page("guard.html", page, &[]).await;
    browser.settle().await;
    browser.settle().await;
    let problems = browser.problems().await;
    assert_eq!(problems.len(), 3, "{problems:#?}");
    assert!(
        problems[0].contains("unhandled rejection: TypeError: network error")
            || problems.iter().any(|p| p.contains("network error")),
        "{problems:#?}"
    );
    assert!(
        problems.iter().any(|p| p.contains("thrown later")),
        "{problems:#?}"
    );
    assert!(
        problems.iter().any(|p| p.contains("Confab crashed")),
        "{problems:#?}"
    );
    browser.close().await;
}

/// A panic stops the widget's WebAssembly for good; its hook announces it (`confab:crashed`),
/// and every widget on the page says so in words, fires `confab:error` with code
/// `internal_error`, and offers to start again: a fresh instance, the conversation restored from
/// storage, answering again. (The event is sent by hand here: no input is known to panic.)
#[tokio::test]
async fn after_an_internal_error_each_widget_says_so_and_starts_again() {
    let page = r#"<!doctype html><html><head><meta charset="utf-8"><script src="recorder.js"></script>
<script src="confab.js" defer></script></head><body>
<confab-chat mode="inline" endpoint="/v1" model="mock-echo" storage-key="one"></confab-chat>
<confab-chat mode="inline" endpoint="/v1" model="mock-echo" storage-key="two"></confab-chat>
</body></html>"#;
    let (_site, _server, browser) = open_page("crash.html", page, &[]).await;
    q_wait(
        &browser,
        "both widgets",
        "sr(0) && sr(0).querySelector('textarea') && sr(1) && sr(1).querySelector('textarea')",
    )
    .await;
    assert_eq!(q(&browser, "w(0).send('remember me')").await, true);
    q_wait(
        &browser,
        "the answer",
        "w(0).messages().length === 2 && w(0).messages()[1].state === 'done'",
    )
    .await;

    browser
        .page("(window.dispatchEvent(new CustomEvent('confab:crashed', {detail: 'Confab crashed: panicked at src/x.rs:1:1'})), true)")
        .await;
    for i in [0, 1] {
        let notice = q(
            &browser,
            &format!("sr({i}).querySelector('[role=alert]').textContent"),
        )
        .await;
        assert!(
            notice
                .as_str()
                .unwrap_or_default()
                .contains("internal error"),
            "widget {i}: {notice}"
        );
    }
    let codes = browser
        .page("__events.filter(e => e.name === 'confab:error').map(e => e.detail.code)")
        .await;
    assert_eq!(codes, json!(["internal_error", "internal_error"]));
    assert_eq!(
        q(&browser, "w(0).messages()").await,
        json!([]),
        "nothing is asked of the stopped instance"
    );

    q(
        &browser,
        "sr(0).querySelector('[role=alert] button').click()",
    )
    .await;
    q_wait(
        &browser,
        "a fresh widget",
        "sr(0).querySelector('textarea') && w(0).messages().length >= 2",
    )
    .await;
    assert_eq!(
        q(&browser, "w(0).messages()[0].content").await,
        "remember me",
        "restored from storage"
    );
    assert_eq!(q(&browser, "w(0).send('after the restart')").await, true);
    q_wait(
        &browser,
        "an answer from the fresh instance",
        "w(0).messages().length === 4 && w(0).messages()[3].state === 'done'",
    )
    .await;
    assert_eq!(
        q(&browser, "w(0).messages()[3].content").await,
        "after the restart"
    );
    // The other widget still shows its notice until it is asked to start again.
    assert_eq!(
        q(&browser, "!!sr(1).querySelector('[role=alert]')").await,
        true
    );
    browser.close().await;
}
