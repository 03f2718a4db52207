//! Accessibility and small screens: every control reachable by Tab with a visible focus ring,
//! labels on icon buttons, finished answers announced (not tokens), 320 px wide.

use std::time::Duration;

use confab_e2e::{Browser, Server, ENTER, ESCAPE};

const SECS: fn(u64) -> Duration = Duration::from_secs;

#[tokio::test]
async fn keyboard_reaches_every_control_with_a_visible_focus_ring() {
    let server = Server::start(&["--tokens-per-second", "0"]);
    let browser = Browser::start().await;
    browser
        .open(&format!("{}/?model=mock-echo&persist=none", server.url))
        .await;
    browser.type_in_composer(&format!("hello{ENTER}")).await;
    browser
        .wait_for(
            "the answer",
            "root.querySelector('.confab__action-regenerate')",
            SECS(10),
        )
        .await;

    // Walk the whole widget with Tab from the start of the page.
    browser.page("(document.activeElement && document.activeElement.blur(), document.body.focus(), true)").await;
    let mut seen = Vec::new();
    for _ in 0..30 {
        browser.type_keys("\u{E004}").await; // Tab
        let info = browser
            .eval(
                "(() => { const a = root.activeElement; if (!a) return null; const s = getComputedStyle(a); \
                 return [a.className, a.getAttribute('aria-label') || a.textContent.trim(), s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2]; })()",
            )
            .await;
        if info.is_null() {
            continue;
        }
        let class = info[0].as_str().unwrap_or_default().to_owned();
        assert!(
            info[2].as_bool().unwrap_or(false),
            "no visible focus ring on {info}"
        );
        assert!(
            !info[1].as_str().unwrap_or_default().is_empty(),
            "no accessible name on {info}"
        );
        seen.push(class);
    }
    for wanted in [
        "confab__history-btn",
        "confab__settings-btn",
        "confab__clear",
        "confab__action-copy",
        "confab__action-edit",
        "confab__action-regenerate",
        "confab__input",
    ] {
        assert!(
            seen.iter().any(|c| c.contains(wanted)),
            "{wanted} is not reachable by Tab: {seen:?}"
        );
    }
    browser.close().await;
}

#[tokio::test]
async fn finished_answers_are_announced_politely_and_tokens_are_not() {
    let server = Server::start(&["--tokens-per-second", "20"]);
    let browser = Browser::start().await;
    browser
        .open(&format!("{}/?model=mock-echo&persist=none", server.url))
        .await;
    assert_eq!(
        browser
            .eval("root.querySelector('.confab__log').getAttribute('role')")
            .await,
        "log"
    );
    assert_eq!(
        browser
            .eval("root.querySelector('.confab__log').getAttribute('aria-live')")
            .await,
        "off"
    );
    assert_eq!(
        browser
            .eval("root.querySelector('.confab__live').getAttribute('aria-live')")
            .await,
        "polite"
    );
    browser
        .type_in_composer(&format!("one two three four five six{ENTER}"))
        .await;
    browser
        .wait_for(
            "streaming",
            "root.querySelector('.confab__msg--assistant[data-state=streaming] .confab__md p')",
            SECS(10),
        )
        .await;
    assert_eq!(
        browser
            .eval("root.querySelector('.confab__live').textContent")
            .await,
        "",
        "no announcement per token"
    );
    let said = browser
        .wait_for(
            "the announcement",
            "root.querySelector('.confab__live').textContent",
            SECS(10),
        )
        .await;
    assert_eq!(said, "Answer: one two three four five six");
    browser.close().await;
}

#[tokio::test]
async fn usable_at_320_pixels_wide() {
    let server = Server::start(&["--tokens-per-second", "0"]);
    let browser = Browser::start().await;
    browser
        .client
        .set_window_size(320, 640)
        .await
        .expect("resize");
    let page = format!("{}/examples/busy-host.html", server.url);
    browser.goto(&page).await;
    let w = "document.querySelector('confab-chat')";
    browser
        .page_wait(
            "the launcher",
            &format!("{w} && {w}.shadowRoot && {w}.shadowRoot.querySelector('.confab__launcher')"),
            SECS(20),
        )
        .await;
    browser.page(&format!("({w}.open(), true)")).await;
    browser
        .page_wait(
            "the panel",
            // open() loads the widget first: the launcher is confab.js's until then.
            &format!("{w}.isOpen() && !{w}.shadowRoot.querySelector('.confab__panel').hidden"),
            SECS(20),
        )
        .await;
    let screen = browser
        .page(&format!(
            "(() => {{ const s = {w}.shadowRoot; const r = s.querySelector('.confab__panel').getBoundingClientRect(); \
             const t = s.querySelector('.confab__title'); \
             return [r.left, r.top, document.documentElement.clientWidth - r.right, innerHeight - r.bottom, \
             getComputedStyle(s.querySelector('.confab__launcher')).display, \
             t.getBoundingClientRect().height < 2 * parseFloat(getComputedStyle(t).fontSize)]; }})()"
        ))
        .await;
    assert_eq!(
        screen,
        serde_json::json!([0, 0, 0, 0, "none", true]),
        "on a phone the open panel is the whole screen, the launcher is hidden, the title is one line"
    );
    browser
        .page(&format!("({w}.send('small screen'), true)"))
        .await;
    browser
        .page_wait(
            "the answer",
            &format!("{w}.messages().length === 2 && {w}.messages()[1].state === 'done'"),
            SECS(10),
        )
        .await;
    browser.close().await;
}

/// WCAG contrast ratio of the computed colour of `sel` against the background of `bg_sel`.
const CONTRAST: &str = r#"
const lum = (c) => { const m = c.match(/\d+(\.\d+)?/g).map(Number); const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  return 0.2126 * f(m[0]) + 0.7152 * f(m[1]) + 0.0722 * f(m[2]); };
const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
const bgOf = (el) => { while (el) { const c = getComputedStyle(el).backgroundColor; if (c && !c.startsWith('rgba(0, 0, 0, 0)')) return c; el = el.parentElement || (el.getRootNode() && el.getRootNode().host); } return 'rgb(255, 255, 255)'; };
const pair = (sel) => { const el = root.querySelector(sel); return ratio(getComputedStyle(el).color, bgOf(el)); };
"#;

#[tokio::test]
async fn text_contrast_meets_wcag_aa_in_both_themes() {
    let server = Server::start(&["--tokens-per-second", "0"]);
    let browser = Browser::start().await;
    for theme in ["light", "dark"] {
        browser
            .open(&format!(
                "{}/?model=mock-500&persist=none&theme={theme}&temperature=9",
                server.url
            ))
            .await;
        browser.type_in_composer(&format!("hello{ENTER}")).await;
        browser
            .wait_for(
                "the error",
                "root.querySelector('.confab__error')",
                SECS(10),
            )
            .await;
        for sel in [
            ".confab__title",
            ".confab__msg--user .confab__content",
            ".confab__msg--assistant",
            ".confab__error",
            ".confab__problem",
            ".confab__input",
            ".confab__retry-btn",
        ] {
            let r = browser
                .eval(&format!("(() => {{ {CONTRAST} return pair('{sel}'); }})()"))
                .await;
            let r = r.as_f64().unwrap_or(0.0);
            assert!(
                r >= 4.5,
                "{theme}: {sel} has a contrast of {r:.2}:1, below 4.5:1"
            );
        }
    }
    browser.close().await;
}

#[tokio::test]
async fn escape_closes_the_launcher_panel_unless_it_stops_an_answer() {
    let server = Server::start(&["--tokens-per-second", "20"]);
    let browser = Browser::start().await;
    browser
        .goto(&format!("{}/examples/busy-host.html", server.url))
        .await;
    let w = "document.querySelector('confab-chat')";
    let sr = format!("{w}.shadowRoot");
    browser
        .page_wait(
            "the launcher",
            &format!("{w} && {sr} && {sr}.querySelector('.confab__launcher')"),
            SECS(20),
        )
        .await;
    browser.page(&format!("({w}.open(), true)")).await;
    let focused_composer =
        format!("{w}.isOpen() && {sr}.activeElement === {sr}.querySelector('textarea')");
    browser
        .page_wait("the composer", &focused_composer, SECS(20))
        .await;

    // While an answer streams, Escape in the composer stops it and the panel stays.
    browser
        .page(&format!("({w}.setConfig({{ model: 'mock-slow' }}), true)"))
        .await;
    browser.type_keys("a slow one").await;
    browser.type_keys(ENTER).await;
    browser
        .page_wait(
            "the answer streaming",
            &format!("{w}.messages().length === 2 && {w}.messages()[1].state === 'streaming'"),
            SECS(10),
        )
        .await;
    browser.type_keys(ESCAPE).await;
    browser
        .page_wait(
            "the answer stopped",
            &format!("{w}.messages()[1].state === 'stopped'"),
            SECS(10),
        )
        .await;
    assert_eq!(
        browser.page(&format!("{w}.isOpen()")).await,
        true,
        "still open"
    );

    // Otherwise Escape closes it, and the focus goes back to the launcher button.
    browser.type_keys(ESCAPE).await;
    browser
        .page_wait(
            "closed, the focus on the launcher",
            &format!(
                "!{w}.isOpen() && {sr}.activeElement === {sr}.querySelector('.confab__launcher')"
            ),
            SECS(10),
        )
        .await;
    // The × button does the same.
    browser.page(&format!("({w}.open(), true)")).await;
    browser
        .page_wait("the composer", &focused_composer, SECS(10))
        .await;
    browser
        .page(&format!(
            "({sr}.querySelector('.confab__close').click(), true)"
        ))
        .await;
    browser
        .page_wait(
            "closed by ×",
            &format!(
                "!{w}.isOpen() && {sr}.activeElement === {sr}.querySelector('.confab__launcher')"
            ),
            SECS(10),
        )
        .await;
    browser.close().await;
}
