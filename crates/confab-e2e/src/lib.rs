//! The end-to-end harness: starts `confab-server --mock` (serving the built widget) and a
//! headless Chromium through chromedriver, each on a free port, and kills both when dropped —
//! also when a test panics.
//!
//! `cargo xtask test` builds the widget and the server and passes their paths in
//! `CONFAB_DIST` and `CONFAB_SERVER`; a test run without them fails and says so.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder};
use serde_json::{json, Value};

fn required_path(var: &str) -> PathBuf {
    let path = std::env::var_os(var).map(PathBuf::from).unwrap_or_else(|| {
        panic!("{var} is not set: run the end-to-end tests through `cargo xtask test`, which builds what they need")
    });
    assert!(
        path.exists(),
        "{var}={} does not exist; run `cargo xtask test`",
        path.display()
    );
    path
}

/// The built widget (`dist/` of a release build).
pub fn dist() -> PathBuf {
    required_path("CONFAB_DIST")
}

/// A directory of test pages, removed when dropped.
pub struct Site {
    pub dir: PathBuf,
}

impl Site {
    /// Writes `files` (name, content) into a fresh directory; with `with_dist`, the built
    /// widget's files are copied in too (one origin for page, assets and API).
    pub fn new(files: &[(&str, String)], with_dist: bool) -> Site {
        static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("confab-site-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("site dir");
        if with_dist {
            for entry in std::fs::read_dir(dist()).expect("dist") {
                let entry = entry.expect("entry");
                if entry.file_type().is_ok_and(|t| t.is_file()) {
                    std::fs::copy(entry.path(), dir.join(entry.file_name())).expect("copy");
                }
            }
        }
        for (name, content) in files {
            std::fs::write(dir.join(name), content).expect("write page");
        }
        Site { dir }
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A process in its own process group, killed with the whole group on drop.
struct Group(Child);

/// The process groups alive now, for [`kill_all`].
static GROUPS: std::sync::Mutex<Vec<u32>> = std::sync::Mutex::new(Vec::new());

impl Group {
    fn new(child: Child) -> Group {
        if let Ok(mut g) = GROUPS.lock() {
            g.push(child.id());
        }
        Group(child)
    }
}

fn kill_group(id: u32) {
    // `--` so that the negative number is a process group, not an option.
    let _ = Command::new("kill")
        .args(["-s", "KILL", "--", &format!("-{id}")])
        .status();
}

impl Drop for Group {
    fn drop(&mut self) {
        let id = self.0.id();
        if let Ok(mut g) = GROUPS.lock() {
            g.retain(|&x| x != id);
        }
        kill_group(id);
        let _ = self.0.wait();
    }
}

/// Kills every server and browser started here. For a panic hook: with `panic = "abort"`
/// (the release profile) nothing is dropped, and a browser left behind would keep running
/// (one stuck in Deep Chat's long task took 15 GB and a core).
pub fn kill_all() {
    let groups = GROUPS.lock().map(|g| g.clone()).unwrap_or_default();
    for id in groups {
        kill_group(id);
    }
}

/// `confab-server --mock` on a free port.
pub struct Server {
    _process: Group,
    pub url: String,
}

impl Server {
    /// Starts the mock serving the built widget, with extra arguments (pace, headers).
    pub fn start(extra: &[&str]) -> Server {
        Server::serving(&dist(), extra)
    }

    /// Starts the mock serving the files of `dir`.
    pub fn serving(dir: &Path, extra: &[&str]) -> Server {
        let mut args = vec!["--mock"];
        args.extend_from_slice(extra);
        Server::launch(dir, &args, None)
    }

    /// Starts the key-holding proxy in front of `upstream` (a base URL), serving the built
    /// widget, with `key` in its environment.
    pub fn proxy(upstream: &str, extra: &[&str], key: &str) -> Server {
        let mut args = vec!["--upstream", upstream];
        args.extend_from_slice(extra);
        Server::launch(&dist(), &args, Some(key))
    }

    fn launch(dir: &Path, args: &[&str], key: Option<&str>) -> Server {
        let bin = required_path("CONFAB_SERVER");
        let mut command = Command::new(bin);
        command
            .args(["--port", "0", "--static"])
            .arg(dir)
            .args(args)
            .env_remove("CONFAB_UPSTREAM_KEY")
            .stdout(Stdio::piped())
            .process_group(0);
        if let Some(key) = key {
            command.env("CONFAB_UPSTREAM_KEY", key);
        }
        let mut child = command.spawn().expect("start confab-server");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read the server's first line");
        let url = line
            .trim()
            .strip_prefix("confab-server listening on ")
            .unwrap_or_else(|| panic!("unexpected first line from confab-server: {line:?}"))
            .to_owned();
        Server {
            _process: Group::new(child),
            url,
        }
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// Headless Chromium driven through chromedriver.
pub struct Browser {
    pub client: Client,
    /// Whether [`Browser::goto`] and [`Browser::close`] fail on the page's problems (see
    /// [`GUARD`]): tests do; the benchmark, which also loads a peer's widget, does not.
    strict: bool,
    _driver: Group,
    _profile: TempDir,
}

struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Browser {
    /// A browser for a test: any uncaught error, unhandled rejection or panic in its pages
    /// fails the test.
    pub async fn start() -> Browser {
        Self::launch(true).await
    }

    /// A browser for measuring, which does not judge the pages it loads.
    pub async fn start_lenient() -> Browser {
        Self::launch(false).await
    }

    async fn launch(strict: bool) -> Browser {
        let port = free_port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("start chromedriver (cargo xtask test installs it)");
        let driver = Group::new(driver);
        let profile =
            std::env::temp_dir().join(format!("confab-e2e-{}-{port}", std::process::id()));
        let mut args = vec![
            "--headless=new".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-extensions".to_owned(),
            "--window-size=1000,800".to_owned(),
            format!("--user-data-dir={}", profile.display()),
        ];
        // Extra flags for investigations, e.g. `--trace-startup=...` to record a trace.
        if let Ok(extra) = std::env::var("CONFAB_CHROME_ARGS") {
            args.extend(extra.split_whitespace().map(str::to_owned));
        }
        let caps = json!({
            "goog:chromeOptions": { "binary": "/usr/bin/chromium", "args": args }
        });
        let caps = match caps {
            Value::Object(map) => map,
            _ => unreachable!(),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        let client = loop {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(caps.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await
            {
                Ok(c) => break c,
                Err(e) if Instant::now() < deadline => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("could not start Chromium through chromedriver: {e}"),
            }
        };
        let browser = Browser {
            client,
            strict,
            _driver: driver,
            _profile: TempDir(profile),
        };
        browser
            .cdp(
                "Page.addScriptToEvaluateOnNewDocument",
                json!({ "source": GUARD }),
            )
            .await;
        browser
    }

    /// What went wrong in the page so far (see [`GUARD`]), emptied as it is read.
    pub async fn problems(&self) -> Vec<String> {
        let found = self
            .try_js(
                "const p = window.__confabProblems || []; window.__confabProblems = []; return p;",
                vec![],
            )
            .await
            .unwrap_or(Value::Null);
        found
            .as_array()
            .map(|list| {
                list.iter()
                    .map(|v| v.as_str().unwrap_or_default().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Fails the test if the page had an uncaught error, an unhandled rejection or a panic.
    pub async fn assert_no_problems(&self) {
        if !self.strict {
            return;
        }
        let problems = self.problems().await;
        assert!(problems.is_empty(), "the page had problems: {problems:#?}");
    }

    pub async fn goto(&self, url: &str) {
        // What happened on the page being left counts too.
        self.assert_no_problems().await;
        self.client.goto(url).await.expect("navigate");
    }

    /// Opens the standalone page at `url` and waits until its composer is there.
    pub async fn open(&self, url: &str) {
        self.goto(url).await;
        self.wait_for(
            "the composer",
            "root && root.querySelector('textarea')",
            Duration::from_secs(20),
        )
        .await;
    }

    /// Runs JavaScript in the page; `args` are available as `arguments[i]`.
    pub async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        self.client
            .execute(script, args)
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// Waits until `script` (an expression over `root`, the widget's shadow root) is truthy,
    /// and returns its value.
    pub async fn wait_for(&self, what: &str, expr: &str, timeout: Duration) -> Value {
        let script = format!("{SHADOW}\nreturn ({expr});");
        let deadline = Instant::now() + timeout;
        loop {
            let v = self.js(&script, vec![]).await;
            if truthy(&v) {
                self.settle().await;
                return v;
            }
            if Instant::now() > deadline {
                panic!("timed out after {timeout:?} waiting for {what} ({expr}); last value {v}");
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Lets the page finish what a change scheduled: Leptos runs each effect as its own task, so
    /// one attribute may update a task before the text next to it.
    pub async fn settle(&self) {
        self.client
            .execute_async(
                "const done = arguments[arguments.length - 1];\n\
                 setTimeout(() => requestAnimationFrame(() => setTimeout(done, 0)), 0);",
                vec![],
            )
            .await
            .expect("settle");
    }

    /// Evaluates an expression over `root`, the widget's shadow root.
    pub async fn eval(&self, expr: &str) -> Value {
        self.js(&format!("{SHADOW}\nreturn ({expr});"), vec![])
            .await
    }

    /// Evaluates a JS expression in the page (no shadow-root prelude).
    pub async fn page(&self, expr: &str) -> Value {
        self.js(&format!("return ({expr});"), vec![]).await
    }

    /// Waits until a JS expression in the page is truthy, and returns it.
    pub async fn page_wait(&self, what: &str, expr: &str, timeout: Duration) -> Value {
        let deadline = Instant::now() + timeout;
        loop {
            let v = self.page(expr).await;
            if truthy(&v) {
                self.settle().await;
                return v;
            }
            if Instant::now() > deadline {
                panic!("timed out after {timeout:?} waiting for {what} ({expr}); last value {v}");
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Types with real key events into whatever has focus.
    pub async fn type_keys(&self, text: &str) {
        let el = self
            .client
            .active_element()
            .await
            .expect("a focused element");
        el.send_keys(text).await.expect("type");
    }

    /// Types into the composer with real key events; `\u{E007}` is Enter.
    pub async fn type_in_composer(&self, text: &str) {
        self.eval("(root.querySelector('textarea').focus(), true)")
            .await;
        let el = self
            .client
            .active_element()
            .await
            .expect("focused textarea");
        el.send_keys(text).await.expect("type");
    }

    /// Closes the WebDriver session (the process group is killed on drop anyway).
    pub async fn close(self) {
        self.assert_no_problems().await;
        let _ = self.client.clone().close().await;
    }
}

/// A Chrome DevTools Protocol command sent through chromedriver's `goog/cdp/execute`.
#[derive(Debug)]
struct Cdp {
    cmd: String,
    params: Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(json!({"cmd": self.cmd, "params": self.params}).to_string()),
        )
    }
}

impl Browser {
    /// Runs a DevTools Protocol command (e.g. `Performance.getMetrics`) and returns its result.
    pub async fn cdp(&self, cmd: &str, params: Value) -> Value {
        self.try_cdp(cmd, params)
            .await
            .unwrap_or_else(|e| panic!("CDP {cmd} failed: {e}"))
    }

    /// Like [`Browser::cdp`], but a failure is returned. A page stuck in one long task makes
    /// chromedriver give up after five minutes ("Timed out receiving message from renderer");
    /// the bench waits such tasks out.
    pub async fn try_cdp(&self, cmd: &str, params: Value) -> Result<Value, String> {
        self.client
            .issue_cmd(Cdp {
                cmd: cmd.to_owned(),
                params,
            })
            .await
            .map_err(|e| e.to_string())
    }

    /// Like [`Browser::js`], but a failure is returned.
    pub async fn try_js(&self, script: &str, args: Vec<Value>) -> Result<Value, String> {
        self.client
            .execute(script, args)
            .await
            .map_err(|e| e.to_string())
    }
}

/// Installed in every page and frame before its own scripts: records every uncaught error
/// (a wasm trap among them), every unhandled promise rejection (a host page's Sentry would
/// receive each one) and every panic the widget reports on the console, in the top page's
/// `__confabProblems`. [`Browser::close`] and [`Browser::goto`] fail the test on any.
pub const GUARD: &str = r#"(() => {
  let top = window;
  try { if (window.top && window.top.document) top = window.top; } catch (_) {}
  const note = (what) => { (top.__confabProblems = top.__confabProblems || []).push(String(what)); };
  window.addEventListener('error', (e) => note('uncaught error: ' + (e.error && e.error.stack || e.message)));
  window.addEventListener('unhandledrejection', (e) => {
    const r = e.reason;
    note('unhandled rejection: ' + (r && (r.stack || r.name + ': ' + r.message) || r));
  });
  const error = console.error.bind(console);
  console.error = (...args) => {
    const text = args.map(String).join(' ');
    if (/Confab crashed|panicked at|RuntimeError/.test(text)) note('console: ' + text);
    error(...args);
  };
})();"#;

/// JS prelude: `root` is the standalone widget's shadow root.
pub const SHADOW: &str = "const root = document.querySelector('#confab').shadowRoot;\n\
    const last = (sel) => { const all = root ? root.querySelectorAll(sel) : []; return all[all.length - 1] || null; };";

pub const ENTER: &str = "\u{E007}";
/// WebDriver's Escape key.
pub const ESCAPE: &str = "\u{E00C}";

fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(s) => !s.is_empty(),
        _ => true,
    }
}
