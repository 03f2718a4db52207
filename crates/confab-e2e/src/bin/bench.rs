//! `confab-bench`: measures Confab and Deep Chat side by side in headless Chromium.
//! Run through `cargo xtask bench [--quick]`, which builds everything and passes the paths.
//!
//! CPU is the main thread's task time from the DevTools Protocol (`Performance.getMetrics`,
//! `TaskDuration`), not wall time: the machine is shared.

use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use confab_e2e::{Browser, Server, Site};
use serde_json::{json, Value};

const PROBE: &str = r#"
window.__probe = { longest: 0, longtasks: 0, maxGap: 0, dropped: 0, frames: 0, running: false, ready: null, done: null, last: null };
try {
  new PerformanceObserver(l => l.getEntries().forEach(e => { __probe.longtasks++; __probe.longest = Math.max(__probe.longest, e.duration); }))
    .observe({ type: 'longtask', buffered: true });
} catch (e) {}
// The frame loop makes the browser produce a frame 60 times a second, which by itself costs
// main-thread time; runs that measure CPU load the page with `?frames=0` to leave it out.
if (!/[?&]frames=0/.test(location.search)) (function frame(t) {
  const p = window.__probe;
  if (p.last !== null && p.running) {
    const gap = t - p.last;
    p.frames++;
    p.maxGap = Math.max(p.maxGap, gap);
    if (gap > 25) p.dropped += Math.round(gap / 16.7) - 1;
  }
  p.last = t;
  requestAnimationFrame(frame);
})(performance.now());
document.addEventListener('confab:ready', () => { __probe.ready = __probe.ready || performance.now(); });
// `?stamps`: every change of the rendered answer's length is marked in the browser's trace (see
// `traced_growth`), so its cost can be split by progress however fast the answer comes.
if (/[?&]stamps/.test(location.search)) document.addEventListener('confab:ready', () => {
  let last = -1;
  new MutationObserver(() => {
    const md = w.shadowRoot.querySelector('.confab__md');
    const n = md ? md.textContent.length : 0;
    if (n !== last) { last = n; console.timeStamp('confab-progress ' + n); }
  }).observe(w.shadowRoot, { subtree: true, childList: true, characterData: true });
});
document.addEventListener('confab:message', () => { __probe.done = performance.now(); });
"#;

fn confab_page(model: &str, extra: &str) -> String {
    format!(
        r#"<!doctype html><html><head><meta charset="utf-8"><script src="probe.js"></script>
<script src="confab.js" defer></script></head><body>
<confab-chat id="w" mode="inline" endpoint="/v1" model="{model}" {extra}></confab-chat></body></html>"#
    )
}

fn deepchat_page(model: &str) -> String {
    format!(
        r#"<!doctype html><html><head><meta charset="utf-8"><script src="probe.js"></script>
<script type="module" src="deepChat.bundle.js"></script></head><body>
<deep-chat id="w" style="width: 800px; height: 600px"></deep-chat>
<script type="module">
const dc = document.getElementById('w');
dc.connect = {{ url: '/v1/chat/completions', stream: true }};
// Deep Chat sends {{messages: [{{role, text}}]}} and expects {{text}} events: translate both ways,
// so it is fed exactly the tokens Confab is fed.
dc.requestInterceptor = (details) => {{
  details.body = {{ model: '{model}', stream: true,
    messages: details.body.messages.map(m => ({{ role: m.role === 'ai' ? 'assistant' : m.role, content: m.text }})) }};
  return details;
}};
dc.responseInterceptor = (r) => {{
  const c = r.choices && r.choices[0];
  if (c && c.finish_reason) setTimeout(() => {{ __probe.done = performance.now(); }}, 0);
  return {{ text: (c && c.delta && c.delta.content) || '' }};
}};
(function ready() {{
  if (dc.shadowRoot && dc.shadowRoot.getElementById('text-input')) __probe.ready = performance.now();
  else requestAnimationFrame(ready);
}})();
</script></body></html>"#
    )
}

#[derive(Clone, Copy, PartialEq)]
enum Widget {
    Confab,
    DeepChat,
}

impl Widget {
    fn name(self) -> &'static str {
        match self {
            Widget::Confab => "confab",
            Widget::DeepChat => "deep-chat",
        }
    }
    fn page(self) -> &'static str {
        match self {
            Widget::Confab => "confab.html",
            Widget::DeepChat => "deepchat.html",
        }
    }
    /// How much of the answer is rendered: characters of text.
    fn progress(self) -> &'static str {
        match self {
            Widget::Confab => "((w.shadowRoot && w.shadowRoot.querySelector('.confab__md')) || {textContent: ''}).textContent.length",
            Widget::DeepChat => "(w.shadowRoot ? w.shadowRoot.textContent.length : 0)",
        }
    }
    fn send(self) -> &'static str {
        match self {
            Widget::Confab => "w.send('Write a long answer')",
            Widget::DeepChat => "w.submitUserMessage({text: 'Write a long answer'})",
        }
    }
}

/// (Re)starts metrics collection, measured in thread time.
async fn enable_metrics(b: &Browser) {
    b.cdp("Performance.disable", json!({})).await;
    b.cdp("Performance.enable", json!({"timeDomain": "threadTicks"}))
        .await;
}

/// Retries `f` while the page is too busy to answer (chromedriver times out after five minutes
/// of a task that does not end: Deep Chat's 20,000-token answer is one such task), until
/// `deadline`.
async fn patiently<F, Fut>(what: &str, deadline: Instant, mut f: F) -> Value
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<Value, String>>,
{
    loop {
        match f().await {
            Ok(v) => return v,
            Err(e) if e.contains("Timed out receiving message from renderer") => {
                assert!(
                    Instant::now() < deadline,
                    "{what}: the page stayed busy: {e}"
                );
                eprintln!("{what}: the page is busy (a task over 5 minutes); waiting on");
            }
            Err(e) => panic!("{what} failed: {e}"),
        }
    }
}

async fn metrics(b: &Browser) -> (f64, f64, f64) {
    let deadline = Instant::now() + Duration::from_secs(3600);
    let m = patiently("Performance.getMetrics", deadline, || {
        b.try_cdp("Performance.getMetrics", json!({}))
    })
    .await;
    let get = |name: &str| {
        m["metrics"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|x| x["name"] == name)
            .and_then(|x| x["value"].as_f64())
            .unwrap_or(0.0)
    };
    // The DevTools commands are this harness's own sampling (script calls, these metrics): they
    // run on the page's main thread but are not the widget's work.
    (
        get("TaskDuration") - get("DevToolsCommandDuration"),
        get("JSHeapUsedSize"),
        get("Nodes"),
    )
}

/// Nodes in the page's document, shadow roots included. (Chromium's `Nodes` metric counts the
/// whole renderer, earlier pages of the run included.)
async fn dom_nodes(b: &Browser) -> f64 {
    js(b, "(() => { let n = 0; const walk = (x) => { n++; for (const c of x.childNodes) walk(c); if (x.shadowRoot) walk(x.shadowRoot); }; walk(document); return n; })()")
        .await
        .as_f64()
        .unwrap_or(f64::NAN)
}

async fn js(b: &Browser, expr: &str) -> Value {
    let script = format!("const w = document.getElementById('w'); return ({expr});");
    let deadline = Instant::now() + Duration::from_secs(3600);
    patiently(expr, deadline, || b.try_js(&script, vec![])).await
}

async fn wait(b: &Browser, expr: &str, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    while !js(b, expr).await.as_bool().unwrap_or(false) {
        assert!(Instant::now() < deadline, "timed out waiting for {expr}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// One streamed answer rendered by one widget, on its own fresh page.
async fn stream_run(
    b: &Browser,
    base: &str,
    widget: Widget,
    page: &str,
    frames: bool,
    dense: bool,
) -> Value {
    let query = if frames { "" } else { "?frames=0" };
    b.goto(&format!("{base}/{page}{query}")).await;
    run_loaded(b, widget, Duration::from_secs(1800), dense).await
}

/// Three runs measure CPU (median by CPU), without the frame probe, whose 60 frames a second
/// would cost main-thread time of their own; one more run, with it, measures frames.
/// Confab's full-speed 20,000-token runs, the size the budgets are for.
async fn budget_full_runs(b: &Browser, base: &str) -> Value {
    stream_runs(
        b,
        base,
        Widget::Confab,
        "confab-budget.html",
        "full speed, 20000 tokens",
    )
    .await
}

async fn stream_runs(b: &Browser, base: &str, widget: Widget, page: &str, what: &str) -> Value {
    stream_runs_n(b, base, widget, page, what, 3, true).await
}

/// `count` runs (the median by CPU is reported) and, if `frames`, one more with the frame
/// probe on.
async fn stream_runs_n(
    b: &Browser,
    base: &str,
    widget: Widget,
    page: &str,
    what: &str,
    count: usize,
    frames: bool,
) -> Value {
    // A full-speed answer is over in a second or less: sample it as often as possible. A paced
    // one is sampled four times a second, so the harness's own calls stay out of its CPU.
    let dense = what.starts_with("full speed");
    let mut runs = Vec::new();
    for _ in 0..count {
        runs.push(stream_run(b, base, widget, page, false, dense).await);
        println!("{what} {}: {}", widget.name(), runs.last().unwrap());
    }
    let mut by_cpu = runs.clone();
    by_cpu.sort_by(|a, b| f(&a["cpu_s"]).total_cmp(&f(&b["cpu_s"])));
    let mut median = by_cpu[count / 2].clone();
    median["runs"] = json!(count);
    if !frames {
        median["max_frame_gap_ms"] = Value::Null;
        median["frames_dropped"] = Value::Null;
        return json!({"widget": widget.name(), "median": median, "runs": runs});
    }
    let frames = stream_run(b, base, widget, page, true, dense).await;
    println!("{what} {} (frames): {frames}", widget.name());
    median["max_frame_gap_ms"] = frames["max_frame_gap_ms"].clone();
    median["frames_dropped"] = frames["frames_dropped"].clone();
    json!({"widget": widget.name(), "median": median, "runs": runs, "frames_run": frames})
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

/// CPU per rendered character over the last 10% of the answer divided by that over the first
/// 10%: 1 means the work per token does not grow with the answer.
///
/// Text shows up in steps (a render every 100 ms while streaming; at full speed one step can
/// hold a tenth of the answer), so each end is the sampled stretch that covers at least its
/// tenth: from the last sample with nothing rendered to the first with 10% or more, and from the
/// last sample with 90% or less to the end. The fractions covered are reported with the ratio.
fn cost_growth(samples: &[(f64, f64)]) -> Value {
    let total = samples.last().map_or(0.0, |s| s.1);
    if total <= 0.0 {
        return Value::Null;
    }
    // The moment of sending: no CPU spent yet, nothing rendered.
    let all: Vec<(f64, f64)> = std::iter::once((0.0, 0.0))
        .chain(samples.iter().copied())
        .collect();
    let a = all.iter().rev().find(|s| s.1 <= 0.0).copied();
    let b = all.iter().find(|s| s.1 >= total * 0.1).copied();
    let c = all.iter().rev().find(|s| s.1 <= total * 0.9).copied();
    let d = all.last().copied();
    let (Some(a), Some(b), Some(c), Some(d)) = (a, b, c, d) else {
        return Value::Null;
    };
    // Each end must stay an end: stretches over a third of the answer compare little.
    if b.1 <= a.1 || d.1 <= c.1 || b.1 > total / 3.0 || c.1 < total * 2.0 / 3.0 {
        return json!({"note": "too few samples to split the answer"});
    }
    let first = (b.0 - a.0) / (b.1 - a.1);
    let last = (d.0 - c.0) / (d.1 - c.1);
    json!({
        "first_us_per_char": first * 1e6,
        "last_us_per_char": last * 1e6,
        "first_covers": [a.1 / total, b.1 / total],
        "last_covers": [c.1 / total, 1.0],
        "ratio": if first > 0.0 { last / first } else { f64::NAN },
    })
}

/// The cost per token of a full-speed answer, from a trace of the browser.
///
/// At full speed Confab renders a whole answer in a few dozen steps within a second, while the
/// page is too busy to answer the harness's samples in between, so sampling cannot split it into
/// tenths. Instead, a fresh browser records a trace; the page marks every change of the
/// rendered length (`console.timeStamp`, see `PROBE`), and the render cost is the time of the
/// main thread's animation-frame tasks (the render itself, style, layout, paint), each counted
/// for the progress mark it made. The network reads and SSE decoding happen in other tasks, all
/// early in the answer, and are left out so they do not flatter the first tenth.
async fn traced_growth(base: &str, page: &str) -> Value {
    let trace =
        std::env::temp_dir().join(format!("confab-bench-trace-{}.json", std::process::id()));
    let _ = std::fs::remove_file(&trace);
    let flags = std::env::var("CONFAB_CHROME_ARGS").unwrap_or_default();
    std::env::set_var(
        "CONFAB_CHROME_ARGS",
        format!(
            "{flags} --trace-startup=devtools.timeline,toplevel --trace-startup-format=json \
             --trace-startup-duration=900 --trace-startup-file={}",
            trace.display()
        ),
    );
    let b = Browser::start_lenient().await;
    std::env::set_var("CONFAB_CHROME_ARGS", flags);
    b.goto(&format!("{base}/{page}?frames=0&stamps")).await;
    wait(&b, "window.__probe.ready !== null", Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    js(
        &b,
        &format!(
            "(console.timeStamp('confab-progress 0'), {}, true)",
            Widget::Confab.send()
        ),
    )
    .await;
    wait(&b, "__probe.done !== null", Duration::from_secs(300)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    b.close().await;
    // The browser writes the trace as it exits.
    let deadline = Instant::now() + Duration::from_secs(60);
    let events = loop {
        let parsed = std::fs::read(&trace)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok());
        if let Some(v) = parsed {
            break match v {
                Value::Object(mut o) => o.remove("traceEvents").unwrap_or(Value::Null),
                other => other,
            };
        }
        if Instant::now() > deadline {
            return json!({"note": "the browser wrote no trace"});
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let _ = std::fs::remove_file(&trace);
    let events = events.as_array().cloned().unwrap_or_default();
    let progress = |e: &Value| {
        e["args"]["data"]["message"]
            .as_str()
            .and_then(|m| m.strip_prefix("confab-progress "))
            .and_then(|n| n.parse::<f64>().ok())
    };
    let Some(thread) = events
        .iter()
        .find(|e| progress(e).is_some())
        .map(|e| (e["pid"].clone(), e["tid"].clone()))
    else {
        return json!({"note": "the trace has no progress marks"});
    };
    let on_thread = |e: &&Value| e["pid"] == thread.0 && e["tid"] == thread.1;
    let mut marks: Vec<(f64, f64)> = events
        .iter()
        .filter(on_thread)
        .filter_map(|e| Some((f(&e["ts"]), progress(e)?)))
        .collect();
    marks.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut frames: Vec<(f64, f64)> = events
        .iter()
        .filter(on_thread)
        .filter(|e| {
            e["ph"] == "X"
                && e["name"] == "ThreadControllerImpl::RunTask"
                && e["args"]["src_func"] == "ScheduledActionSendBeginMainFrame"
        })
        .map(|e| (f(&e["ts"]), f(&e["dur"])))
        .collect();
    frames.sort_by(|a, b| a.0.total_cmp(&b.0));
    let sent = marks.first().map_or(0.0, |m| m.0);
    // Render CPU (s) of the frames that began by `ts`, counted from the moment of sending.
    let cpu_by = |ts: f64| {
        frames
            .iter()
            .filter(|(start, _)| *start >= sent && *start <= ts)
            .map(|(_, dur)| dur / 1e6)
            .sum::<f64>()
    };
    let mut samples: Vec<(f64, f64)> = marks.iter().map(|&(ts, n)| (cpu_by(ts), n)).collect();
    // The frames after the last mark finish the last render (its style, layout and paint).
    if let Some(&(_, n)) = marks.last() {
        samples.push((cpu_by(f64::INFINITY), n));
    }
    let mut growth = cost_growth(&samples);
    if let Value::Object(o) = &mut growth {
        o.insert(
            "method".into(),
            json!("trace: animation-frame tasks per progress mark"),
        );
        o.insert("marks".into(), json!(marks.len()));
        o.insert("render_cpu_s".into(), json!(cpu_by(f64::INFINITY)));
    }
    growth
}

fn sizes(files: &[(&str, PathBuf)]) -> Value {
    let mut out = Vec::new();
    let mut totals = (0usize, 0usize, 0usize);
    for (name, path) in files {
        let data = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&data).unwrap();
        let gz = gz.finish().unwrap().len();
        let mut br = Vec::new();
        brotli::BrotliCompress(
            &mut &data[..],
            &mut br,
            &brotli::enc::BrotliEncoderParams {
                quality: 11,
                lgwin: 22,
                ..Default::default()
            },
        )
        .unwrap();
        totals = (totals.0 + data.len(), totals.1 + gz, totals.2 + br.len());
        out.push(json!({"file": name, "raw": data.len(), "gzip9": gz, "brotli11": br.len()}));
    }
    json!({"files": out, "raw": totals.0, "gzip9": totals.1, "brotli11": totals.2})
}

/// What a host page with the script-tag launcher loads of Confab's files: before the launcher is
/// used (`before_use`), and once it has been clicked open (`on_open`). Taken from the browser's
/// own list of the resources it fetched; the sizes are the files' in `dist`.
async fn launcher_transfer(b: &Browser, base: &str, dist: &std::path::Path) -> Value {
    let fetched = "return performance.getEntriesByType('resource').map(e => new URL(e.name).pathname.slice(1));";
    let ours = |v: Value| -> Vec<String> {
        v.as_array()
            .into_iter()
            .flatten()
            .filter_map(|n| n.as_str())
            .filter(|n| dist.join(n).is_file())
            .map(str::to_owned)
            .collect()
    };
    let measure = |names: &[String]| {
        let files: Vec<(&str, PathBuf)> =
            names.iter().map(|n| (n.as_str(), dist.join(n))).collect();
        sizes(&files)
    };
    b.goto(&format!("{base}/launcher.html")).await;
    let launcher = "document.querySelector('confab-chat') && document.querySelector('confab-chat').shadowRoot                     && document.querySelector('confab-chat').shadowRoot.querySelector('.confab__launcher')";
    wait(b, &format!("!!({launcher})"), Duration::from_secs(30)).await;
    // A second for anything the page would go on to fetch by itself.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = ours(b.js(fetched, vec![]).await);
    js(b, &format!("({launcher}).click()")).await;
    wait(
        b,
        "document.querySelector('confab-chat').isOpen()",
        Duration::from_secs(30),
    )
    .await;
    let after = ours(b.js(fetched, vec![]).await);
    // From the click on a launcher that was never hovered to the cursor in the composer:
    // fetching (from the HTTP cache after the first run, a local server at most), compiling
    // and mounting the widget.
    let mut first_open = Vec::new();
    for i in 0..5 {
        b.goto(&format!("{base}/launcher.html?open={i}")).await;
        wait(b, &format!("!!({launcher})"), Duration::from_secs(30)).await;
        let ms = b
            .js(
                "const el = document.querySelector('confab-chat'); const t0 = performance.now(); \
                 el.shadowRoot.querySelector('.confab__launcher').click(); \
                 return new Promise(done => (function poll() { \
                   const r = el.shadowRoot, t = r.querySelector('textarea'); \
                   if (t && r.activeElement === t) done(performance.now() - t0); \
                   else requestAnimationFrame(poll); })());",
                vec![],
            )
            .await;
        first_open.push(ms.as_f64().expect("milliseconds"));
    }
    json!({"before_use": measure(&before), "on_open": measure(&after),
           "first_open_median_ms": median(first_open.clone()), "first_open_runs_ms": first_open})
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

async fn cold_start(b: &Browser, base: &str, widget: Widget) -> Value {
    let mut times = Vec::new();
    for _ in 0..10 {
        b.goto(&format!("{base}/{}?cold={}", widget.page(), times.len()))
            .await;
        wait(b, "window.__probe.ready !== null", Duration::from_secs(30)).await;
        times.push(js(b, "__probe.ready").await.as_f64().unwrap());
    }
    json!({"widget": widget.name(), "median_ms": median(times.clone()), "runs_ms": times})
}

/// The widget with the stored 1,000-message conversation, and a frame-by-frame watch for the
/// moment its newest answer is painted (`__probe.shown`), taken in the task after that frame.
fn long_page() -> String {
    let watch = r#"<script>
(function watch() {
  const w = document.getElementById('w');
  const all = w && w.shadowRoot ? w.shadowRoot.querySelectorAll('.confab__msg') : [];
  const newest = all[all.length - 1];
  const painted = (key) => requestAnimationFrame(() => setTimeout(() => { __probe[key] = __probe[key] || performance.now(); }, 0));
  if (newest && newest.querySelector('.confab__md p')) painted('shown');
  else requestAnimationFrame(watch);
})();
</script></body>"#;
    confab_page("mock-echo", r#"persist="local" storage-key="long""#).replace("</body>", watch)
}

/// A saved conversation of `n` messages in Confab's store format.
fn long_store(n: usize) -> String {
    let messages: Vec<Value> = (0..n)
        .map(|i| {
            let role = if i % 2 == 0 { "user" } else { "assistant" };
            let text = if i % 2 == 0 {
                format!("Question number {i}: how does incremental rendering work?")
            } else {
                format!("Answer {i}. Finished blocks are **frozen**; only the tail is re-rendered.\n\n- point `a`\n- point b\n\n```rust\nlet x = {i};\n```")
            };
            json!({"id": i + 1, "role": role, "choices": [{"index": 0, "content": text, "finish_reason": "stop"}], "selected": 0, "state": "done"})
        })
        .collect();
    json!({"version": 1, "messages": messages}).to_string()
}

async fn long_conversation(b: &Browser, base: &str) -> Value {
    b.goto(&format!("{base}/long.html")).await;
    b.js(
        "localStorage.setItem('confab:long', arguments[0]); return true;",
        vec![Value::String(long_store(1000))],
    )
    .await;
    let mut restore = Vec::new();
    let mut complete = Vec::new();
    let mut result = json!({});
    for run in 0..5 {
        b.goto(&format!("{base}/long.html?run={run}")).await;
        enable_metrics(b).await;
        wait(b, "__probe.shown > 0", Duration::from_secs(60)).await;
        restore.push(js(b, "__probe.shown").await.as_f64().unwrap_or(f64::NAN));
        // Scrolling to the top shows earlier messages: from the scroll to the frame after.
        let earlier = b
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 const r = document.getElementById('w').shadowRoot, log = r.querySelector('.confab__log');
                 const before = r.querySelectorAll('.confab__msg').length, t0 = performance.now();
                 log.scrollTop = 0;
                 (function check() {
                   if (r.querySelectorAll('.confab__msg').length > before)
                     requestAnimationFrame(() => setTimeout(() => done(performance.now() - t0), 0));
                   else requestAnimationFrame(check);
                 })();",
                vec![],
            )
            .await
            .unwrap()
            .as_f64()
            .unwrap_or(f64::NAN);
        complete.push(earlier);
        if run == 4 {
            b.cdp("HeapProfiler.collectGarbage", json!({})).await;
            let (_, heap, _) = metrics(b).await;
            let nodes = dom_nodes(b).await;
            // Input latency: key down to the next frame, with the long conversation open.
            js(b, "(window.__lat = [], w.shadowRoot.querySelector('textarea').addEventListener('keydown', e => requestAnimationFrame(() => __lat.push(performance.now() - e.timeStamp))), w.shadowRoot.querySelector('textarea').focus(), true)").await;
            b.type_keys("typing with a long history").await;
            tokio::time::sleep(Duration::from_millis(300)).await;
            let lat: Vec<f64> = js(b, "__lat")
                .await
                .as_array()
                .unwrap()
                .iter()
                .filter_map(Value::as_f64)
                .collect();
            result = json!({"dom_nodes": nodes, "js_heap_bytes": heap, "input_latency_median_ms": median(lat.clone()), "input_latency_max_ms": lat.iter().cloned().fold(0.0, f64::max)});
        }
    }
    result["messages"] = json!(1000);
    result["restore_to_first_paint_median_ms"] = json!(median(restore.clone()));
    result["runs_ms"] = json!(restore);
    result["earlier_page_median_ms"] = json!(median(complete.clone()));
    result["earlier_page_runs_ms"] = json!(complete);
    result
}

async fn memory_after_answers(b: &Browser, base: &str) -> Value {
    b.goto(&format!("{base}/echo.html")).await;
    enable_metrics(b).await;
    wait(b, "window.__probe.ready !== null", Duration::from_secs(30)).await;
    let mut at = Vec::new();
    for i in 1..=100 {
        js(
            b,
            &format!("(__probe.done = null, w.send('answer number {i} please'))"),
        )
        .await;
        wait(
            b,
            "__probe.done !== null && !w.shadowRoot.querySelector('.confab__stop')",
            Duration::from_secs(20),
        )
        .await;
        if i == 10 || i == 100 {
            b.cdp("HeapProfiler.collectGarbage", json!({})).await;
            let (_, heap, _) = metrics(b).await;
            at.push((heap, dom_nodes(b).await));
        }
    }
    let per_heap = (at[1].0 - at[0].0) / 90.0;
    let per_nodes = (at[1].1 - at[0].1) / 90.0;
    json!({"after_10": {"js_heap_bytes": at[0].0, "dom_nodes": at[0].1}, "after_100": {"js_heap_bytes": at[1].0, "dom_nodes": at[1].1},
           "js_heap_bytes_per_answer": per_heap, "dom_nodes_per_answer": per_nodes})
}

#[tokio::main]
async fn main() {
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        report(info);
        confab_e2e::kill_all();
    }));
    // Ctrl-C reaches this process's group only: the servers and browsers run in groups of
    // their own, so they are killed here.
    tokio::spawn(async {
        use tokio::signal::unix::{signal, SignalKind};
        let Ok(mut term) = signal(SignalKind::terminate()) else {
            return;
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
        confab_e2e::kill_all();
        std::process::exit(130);
    });
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "--quick");
    // For investigating: measures Confab alone (no Deep Chat runs). `cargo xtask bench` never
    // passes it, because the report compares the two.
    let only_confab = args.iter().any(|a| a == "--only-confab");
    // For investigating: only Confab's paced runs, printed.
    let paced_only = args.iter().any(|a| a == "--paced-only");
    let widgets: &[Widget] = if only_confab {
        &[Widget::Confab]
    } else {
        &[Widget::Confab, Widget::DeepChat]
    };
    if args.iter().any(|a| a == "--markdown-scaling") {
        // For investigating: the native markdown timings alone.
        println!(
            "{}",
            serde_json::to_string_pretty(&markdown_scaling()).unwrap()
        );
        return;
    }
    if let Some(i) = args.iter().position(|a| a == "--sizes") {
        // For investigating: raw, gzip -9 and brotli -11 sizes of the files named after it.
        let files: Vec<(&str, PathBuf)> = args[i + 1..]
            .iter()
            .map(|f| (f.as_str(), PathBuf::from(f)))
            .collect();
        println!("{}", sizes(&files));
        return;
    }
    if let Some(i) = args.iter().position(|a| a == "--profile") {
        let model = args.get(i + 1).map_or("mock-long-1500", String::as_str);
        let tps = args.get(i + 2).map_or("50", String::as_str);
        return profile(model, tps).await;
    }
    let out = PathBuf::from(std::env::var("CONFAB_BENCH_OUT").expect("CONFAB_BENCH_OUT"));
    let deepchat = PathBuf::from(std::env::var("DEEPCHAT_BUNDLE").expect("DEEPCHAT_BUNDLE"));
    let dist = confab_e2e::dist();
    let full_tokens = if quick { 5_000 } else { 20_000 };

    let scaling = markdown_scaling();
    println!("markdown scaling: {scaling}");
    let mut transfer = json!({
        "confab": sizes(&[
            ("confab.js", dist.join("confab.js")),
            ("confab-widget.js", dist.join("confab-widget.js")),
            ("confab-widget_bg.wasm", dist.join("confab-widget_bg.wasm")),
        ]),
        "deep_chat": sizes(&[("deepChat.bundle.js", deepchat.clone())]),
    });
    println!("transfer: {transfer}");

    let mut files = vec![
        ("probe.js", PROBE.to_owned()),
        (
            "confab.html",
            confab_page(&format!("mock-long-{full_tokens}"), "persist=\"none\""),
        ),
        (
            "deepchat.html",
            deepchat_page(&format!("mock-long-{full_tokens}")),
        ),
        (
            "paced.html",
            confab_page("mock-long-1500", "persist=\"none\""),
        ),
        ("deepchat-paced.html", deepchat_page("mock-long-1500")),
        (
            "confab-budget.html",
            confab_page("mock-long-20000", "persist=\"none\""),
        ),
        ("long.html", long_page()),
        ("echo.html", confab_page("mock-echo", "persist=\"none\"")),
        (
            "launcher.html",
            r#"<!doctype html><html><head><meta charset="utf-8">
<script src="confab.js" data-endpoint="/v1" data-model="mock-echo" data-persist="none" defer></script>
</head><body><p>A host page.</p></body></html>"#
                .to_owned(),
        ),
    ];
    files.push((
        "deepChat.bundle.js",
        std::fs::read_to_string(&deepchat).expect("deep chat bundle"),
    ));
    let site = Site::new(&files, true);
    let fast = Server::serving(&site.dir, &["--tokens-per-second", "0"]);
    let paced = Server::serving(&site.dir, &["--tokens-per-second", "50"]);
    // Pages of earlier runs must not linger in the back-forward cache, holding heap and nodes.
    std::env::set_var("CONFAB_CHROME_ARGS", "--disable-features=BackForwardCache");
    let browser = Browser::start_lenient().await;
    // Deep Chat blocks its main thread for minutes at full speed; a sampling script waits for it.
    browser
        .client
        .update_timeouts(fantoccini::wd::TimeoutConfiguration::new(
            Some(Duration::from_secs(1800)),
            Some(Duration::from_secs(300)),
            None,
        ))
        .await
        .expect("set WebDriver timeouts");

    if args.iter().any(|a| a == "--growth-only") {
        // For investigating: the traced cost per token of Confab's full-speed answer alone.
        println!("{}", traced_growth(&fast.url, "confab-budget.html").await);
        browser.close().await;
        return;
    }
    if args.iter().any(|a| a == "--memory-only") {
        println!("{}", memory_after_answers(&browser, &fast.url).await);
        browser.close().await;
        return;
    }
    if args.iter().any(|a| a == "--long-only") {
        println!("{}", long_conversation(&browser, &fast.url).await);
        browser.close().await;
        return;
    }
    if args.iter().any(|a| a == "--launcher-only") {
        println!("{}", launcher_transfer(&browser, &fast.url, &dist).await);
        browser.close().await;
        return;
    }
    if args.iter().any(|a| a == "--full-only") {
        // For investigating: only Confab's full-speed 20,000-token runs (the budgets' size).
        let r = budget_full_runs(&browser, &fast.url).await;
        println!("full speed median: {}", r["median"]);
        browser.close().await;
        return;
    }
    if paced_only {
        let r = stream_runs(&browser, &paced.url, Widget::Confab, "paced.html", "paced").await;
        println!("paced median: {}", r["median"]);
        browser.close().await;
        return;
    }
    transfer["confab_launcher"] = launcher_transfer(&browser, &fast.url, &dist).await;
    println!("launcher transfer: {}", transfer["confab_launcher"]);
    let mut cold = Vec::new();
    for &w in widgets {
        let r = cold_start(&browser, &fast.url, w).await;
        println!("cold start: {r}");
        cold.push(r);
    }

    let mut full = Vec::new();
    for &w in widgets {
        // Deep Chat's 20,000-token answer takes 20 minutes of wall time, one task of about 12:
        // one run, and no frame probe (a frame gap of 12 minutes says nothing more).
        let one_long_run = !quick && w == Widget::DeepChat;
        let (count, frames) = if one_long_run { (1, false) } else { (3, true) };
        full.push(
            stream_runs_n(
                &browser,
                &fast.url,
                w,
                w.page(),
                "full speed",
                count,
                frames,
            )
            .await,
        );
    }
    // Confab's full-speed answer comes in steps too fast to sample: its cost per token comes
    // from a trace (Deep Chat renders every token, so sampling splits its answer well).
    let growth = traced_growth(&fast.url, "confab.html").await;
    println!("full speed confab, traced cost per token: {growth}");
    full[0]["median"]["cost_growth"] = growth;
    let mut paced_runs = Vec::new();
    for &w in widgets {
        let page = if w == Widget::Confab {
            "paced.html"
        } else {
            "deepchat-paced.html"
        };
        paced_runs.push(stream_runs(&browser, &paced.url, w, page, "paced").await);
    }

    // The budgets are for the 20,000-token answer. `--quick` compares the widgets at 5,000 tokens
    // (Deep Chat needs minutes for 20,000) but still measures Confab at 20,000 for the budgets.
    let budget_full = if quick {
        let mut r = budget_full_runs(&browser, &fast.url).await;
        let growth = traced_growth(&fast.url, "confab-budget.html").await;
        println!("full speed confab 20000 tokens, traced cost per token: {growth}");
        r["median"]["cost_growth"] = growth;
        r
    } else {
        full[0].clone()
    };

    let long = long_conversation(&browser, &fast.url).await;
    println!("long conversation: {long}");
    let memory = memory_after_answers(&browser, &fast.url).await;
    println!("memory: {memory}");
    let ua = browser
        .js("return navigator.userAgent;", vec![])
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned();
    browser.close().await;

    let results = json!({
        "quick": quick,
        "full_speed_tokens": full_tokens,
        "paced_tokens": 1500,
        "paced_tokens_per_second": 50,
        "browser": ua,
        "transfer": transfer,
        "cold_start": cold,
        "full_speed": full,
        "budget_full_speed": budget_full,
        "paced": paced_runs,
        "long_conversation": long,
        "memory_100_answers": memory,
        "markdown_scaling": scaling,
    });
    std::fs::write(&out, serde_json::to_string_pretty(&results).unwrap()).expect("write results");
    println!("wrote {}", out.display());
}

/// Markdown rendering time against size, natively, on inputs that overflowed the stack or took
/// quadratic time in the parser pulldown-cmark replaced: the time for 4N bytes over the time for
/// N (4 is linear). Best of seven runs each, the sizes taking turns, so that a busy machine
/// weighs on both alike.
fn markdown_scaling() -> Value {
    type Make = fn(usize) -> String;
    let cases: [(&str, Make); 6] = [
        ("nested emphasis", |n| {
            "*".repeat(n / 2) + "a" + &"*".repeat(n / 2)
        }),
        ("alternating emphasis", |n| {
            "*_".repeat(n / 4) + "a" + &"_*".repeat(n / 4)
        }),
        ("nested quotes", |n| ">".repeat(n) + " deep"),
        ("brackets", |n| "[".repeat(n / 2) + &"]".repeat(n / 2)),
        ("one long line", |n| "word ".repeat(n / 5)),
        ("table cells", |n| {
            let row = "| x ".repeat(100) + "|\n";
            "| a ".repeat(100) + "|\n" + &"|---".repeat(100) + "|\n" + &row.repeat(n / row.len())
        }),
    ];
    let n = 64 * 1024;
    let once = |text: &str| {
        let start = Instant::now();
        let nodes = confab_core::markdown::render(text, Default::default());
        std::hint::black_box(nodes);
        start.elapsed().as_secs_f64() * 1000.0
    };
    let mut worst: f64 = 0.0;
    let list: Vec<Value> = cases
        .iter()
        .map(|(name, make)| {
            let (small_text, large_text) = (make(n), make(4 * n));
            let (mut small, mut large) = (f64::INFINITY, f64::INFINITY);
            for _ in 0..7 {
                small = small.min(once(&small_text));
                large = large.min(once(&large_text));
            }
            let ratio = large / small.max(1e-3);
            worst = worst.max(ratio);
            json!({"input": name, "n_ms": small, "four_n_ms": large, "ratio": ratio})
        })
        .collect();
    json!({"n_bytes": n, "cases": list, "worst_ratio": worst})
}

async fn run_loaded(b: &Browser, widget: Widget, timeout: Duration, dense: bool) -> Value {
    enable_metrics(b).await;
    wait(b, "window.__probe.ready !== null", Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (cpu0, _, _) = metrics(b).await;
    js(
        b,
        "(__probe.running = true, __probe.longest = 0, __probe.longtasks = 0, true)",
    )
    .await;
    let start = Instant::now();
    js(b, widget.send()).await;
    let mut samples: Vec<(f64, f64)> = Vec::new();
    loop {
        let (cpu, _, _) = metrics(b).await;
        let sample = js(
            b,
            &format!("[{}, __probe.done !== null]", widget.progress()),
        )
        .await;
        samples.push((cpu - cpu0, sample[0].as_f64().unwrap_or(0.0)));
        if sample[1].as_bool().unwrap_or(false) {
            break;
        }
        assert!(
            start.elapsed() < timeout,
            "{} did not finish within {timeout:?}",
            widget.name()
        );
        // Each sample is a task on the page's main thread too (mostly not counted: see
        // `metrics`): when `dense`, as often as possible for the first two seconds, so that even a
        // short answer splits into tenths; otherwise, and after that, four times a second.
        let interval = if dense && start.elapsed() < Duration::from_secs(2) {
            2
        } else {
            250
        };
        tokio::time::sleep(Duration::from_millis(interval)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let wall = start.elapsed().as_secs_f64();
    let (cpu1, _, _) = metrics(b).await;
    // Nodes and heap of earlier pages linger until collected: collect first, then count.
    b.cdp("HeapProfiler.collectGarbage", json!({})).await;
    let (_, heap, _) = metrics(b).await;
    let nodes = dom_nodes(b).await;
    let final_chars = js(b, widget.progress()).await.as_f64().unwrap_or(0.0);
    samples.push((cpu1 - cpu0, final_chars));
    let probe = js(b, "__probe").await;
    json!({
        "widget": widget.name(),
        "wall_s": wall,
        "cpu_s": cpu1 - cpu0,
        "cpu_share_of_wall": (cpu1 - cpu0) / wall,
        "longest_task_ms": probe["longest"],
        "long_tasks": probe["longtasks"],
        "max_frame_gap_ms": probe["maxGap"],
        "frames_dropped": probe["dropped"],
        "dom_nodes": nodes,
        "js_heap_bytes": heap,
        "rendered_chars": final_chars,
        "cost_growth": cost_growth(&samples),
    })
}

/// `confab-bench --profile [MODEL] [TOKENS_PER_SECOND]`: streams one answer into Confab under the
/// DevTools sampling profiler and prints the functions with the most self time. Build the dist
/// with a name section (wasm-bindgen --keep-debug, wasm-opt -g) to see Rust names.
async fn profile(model: &str, tps: &str) {
    let files = vec![
        ("probe.js", PROBE.to_owned()),
        ("p.html", confab_page(model, "persist=\"none\"")),
    ];
    let files = [files, vec![("long.html", long_page())]].concat();
    let site = Site::new(&files, true);
    let server = Server::serving(&site.dir, &["--tokens-per-second", tps]);
    let b = Browser::start_lenient().await;
    let restore = model == "restore";
    if restore {
        // The 1,000-message restore, profiled from navigation to the frame after it is shown.
        b.goto(&format!("{}/long.html?frames=0", server.url)).await;
        b.js(
            "localStorage.setItem('confab:long', arguments[0]); return true;",
            vec![Value::String(long_store(1000))],
        )
        .await;
        b.goto(&format!("{}/p.html?frames=0", server.url)).await;
    } else {
        b.goto(&format!("{}/p.html?frames=0", server.url)).await;
        wait(&b, "window.__probe.ready !== null", Duration::from_secs(30)).await;
    }
    // `CONFAB_BENCH_PLAIN=1`: the counters alone, without the profiler's and the mutation
    // observer's own cost.
    let plain = std::env::var("CONFAB_BENCH_PLAIN").is_ok_and(|v| v == "1");
    if !plain {
        b.cdp("Profiler.enable", json!({})).await;
        b.cdp("Profiler.setSamplingInterval", json!({"interval": 200}))
            .await;
        b.cdp("Profiler.start", json!({})).await;
    }
    enable_metrics(&b).await;
    let (cpu0, _, _) = metrics(&b).await;
    let before = b.cdp("Performance.getMetrics", json!({})).await;
    if restore {
        b.goto(&format!("{}/long.html?frames=0&profile", server.url))
            .await;
        wait(&b, "__probe.shown > 0", Duration::from_secs(60)).await;
        println!(
            "newest answer painted at {} ms",
            js(&b, "__probe.shown").await
        );
    } else if model == "idle" {
        js(&b, "(__probe.running = true)").await;
        tokio::time::sleep(Duration::from_secs(30)).await;
    } else {
        // Which DOM changes the stream causes, by kind and place.
        js(&b, if plain { "(window.__mut = 'not observed', true)" } else { "(window.__mut = {}, new MutationObserver(l => l.forEach(m => { const k = m.type + ' ' + (m.attributeName || '') + ' ' + (m.target.className || m.target.parentNode && m.target.parentNode.className || m.target.nodeName); __mut[k] = (__mut[k] || 0) + 1; })).observe(w.shadowRoot, {subtree: true, childList: true, attributes: true, characterData: true}), true)" }).await;
        js(&b, Widget::Confab.send()).await;
        wait(&b, "__probe.done !== null", Duration::from_secs(600)).await;
        println!("DOM mutations: {}", js(&b, "__mut").await);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (cpu1, _, _) = metrics(&b).await;
    let after = b.cdp("Performance.getMetrics", json!({})).await;
    b.cdp("HeapProfiler.collectGarbage", json!({})).await;
    let (_, _, nodes) = metrics(&b).await;
    println!(
        "DOM nodes after GC: {nodes} in the renderer, {} in the document",
        dom_nodes(&b).await
    );
    let prof = if plain {
        json!({})
    } else {
        b.cdp("Profiler.stop", json!({})).await
    };
    // Where the main thread's time went, by the browser's own counters.
    for m in after["metrics"].as_array().into_iter().flatten() {
        let name = m["name"].as_str().unwrap_or("");
        let was = before["metrics"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|x| x["name"] == name)
            .and_then(|x| x["value"].as_f64())
            .unwrap_or(0.0);
        let delta = m["value"].as_f64().unwrap_or(0.0) - was;
        if delta != 0.0 && (name.ends_with("Duration") || name.ends_with("Count")) {
            println!("{name:>24}: {delta:.3}");
        }
    }
    b.close().await;
    let nodes = prof["profile"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut hits = std::collections::HashMap::<i64, u64>::new();
    for s in prof["profile"]["samples"].as_array().into_iter().flatten() {
        *hits.entry(s.as_i64().unwrap_or(0)).or_default() += 1;
    }
    let total: u64 = hits.values().sum();
    let mut by_name = std::collections::HashMap::<String, u64>::new();
    for n in &nodes {
        let id = n["id"].as_i64().unwrap_or(0);
        let frame = &n["callFrame"];
        let url = frame["url"].as_str().unwrap_or("");
        let name = format!(
            "{} ({})",
            frame["functionName"].as_str().unwrap_or("?"),
            url.rsplit('/').next().unwrap_or("")
        );
        *by_name.entry(name).or_default() += hits.get(&id).copied().unwrap_or(0);
    }
    let mut top: Vec<_> = by_name.into_iter().collect();
    top.sort_by_key(|t| std::cmp::Reverse(t.1));
    println!("main-thread CPU {:.2} s; {total} samples", cpu1 - cpu0);
    for (name, n) in top.iter().take(45) {
        println!("{:6.2}%  {name}", *n as f64 * 100.0 / total.max(1) as f64);
    }
}
