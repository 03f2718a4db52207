//! `cargo xtask serve | test | dist`: the project's automation, in Rust.
//!
//! Every command first makes sure the tools it needs are installed, at the versions the project
//! pins, and installs what is missing from the package registries (never from elsewhere).

mod bench;
mod setup;
mod summary;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("serve") => serve(&args[1..]),
        Some("test") => test(),
        Some("setup") => setup::ensure_test_tools().map(|_| println!("Every tool is installed.")),
        Some("dist") => dist().map(|dir| println!("The release embed is in {}", dir.display())),
        Some("bench") => bench::bench(
            args.iter().any(|a| a == "--quick"),
            args.iter().any(|a| a == "--report-only"),
        ),
        _ => {
            eprintln!("usage: cargo xtask serve [--port N] | test | dist | bench [--quick] [--report-only] | setup");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

pub type Result<T = ()> = std::result::Result<T, String>;

/// The workspace root (xtask lives one level below it).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// Runs a command to completion, failing with its name if it fails.
pub fn run(cmd: &mut Command) -> Result {
    let status = cmd
        .status()
        .map_err(|e| format!("could not start {cmd:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{cmd:?} failed ({status})"))
    }
}

fn cargo() -> Command {
    let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.current_dir(root());
    c
}

/// A child process that is killed when dropped (Ctrl-C, an error, or the end of `serve`).
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(args: &[String]) -> Result {
    let port: u16 = match args {
        [flag, p] if flag == "--port" => p.parse().map_err(|_| "--port takes a number")?,
        [] => 8080,
        _ => return Err("usage: cargo xtask serve [--port N]".into()),
    };
    let env = setup::ensure_build_tools()?;
    run(cargo().args(["build", "-p", "confab-server"]))?;
    let mock_port = 8787;
    let server = Command::new(root().join("target/debug/confab-server"))
        .args(["--mock", "--port", &mock_port.to_string()])
        .spawn()
        .map_err(|e| format!("could not start confab-server: {e}"))?;
    let _server = Guard(server);
    println!();
    println!("  Confab:       http://127.0.0.1:{port}/");
    println!("  Mock API:     http://127.0.0.1:{mock_port}/v1 (proxied at /v1)");
    println!(
        "  Try a fault:  http://127.0.0.1:{port}/?model=mock-429-once  (see /v1/models for all)"
    );
    println!("  Ctrl-C stops both.");
    println!();
    let status = Command::new("trunk")
        .current_dir(root())
        .envs(env)
        .args(["serve", "--port", &port.to_string()])
        .status()
        .map_err(|e| format!("could not start trunk: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("trunk serve ended: {status}"))
    }
}

/// Builds the release widget into `dist/` and returns that directory.
pub fn dist() -> Result<PathBuf> {
    let env = setup::ensure_build_tools()?;
    let dir = root().join("dist");
    build_release(&env, &dir)?;
    Ok(dir)
}

/// The release build into `dir`: trunk (wasm-opt -Oz), then the two scripts a host page loads,
/// the wasm-bindgen glue and the loader, minified by terser (trunk's own JS minifier cannot
/// parse the glue). The end-to-end tests run on this same output.
fn build_release(env: &setup::Env, dir: &Path) -> Result {
    run(Command::new("trunk")
        .current_dir(root())
        .envs(env.clone())
        .args(["build", "--release", "--dist"])
        .arg(dir))?;
    for (file, module) in [("confab-widget.js", true), ("confab.js", false)] {
        let path = dir.join(file);
        let mut terser = Command::new(setup::terser());
        terser.envs(env.clone()).arg(&path);
        if module {
            terser.arg("--module");
        }
        run(terser
            .args(["--compress", "--mangle", "--output"])
            .arg(&path))?;
    }
    // Trunk's page preloads the glue with a subresource integrity hash of what it wrote.
    let glue = std::fs::read(dir.join("confab-widget.js")).map_err(|e| e.to_string())?;
    let page = dir.join("index.html");
    let html = std::fs::read_to_string(&page).map_err(|e| format!("{}: {e}", page.display()))?;
    std::fs::write(&page, with_integrity(&html, "/confab-widget.js", &glue)?)
        .map_err(|e| format!("{}: {e}", page.display()))
}

/// `html` with the `integrity` of the element whose `href` is `href` set to `content`'s SHA-384.
fn with_integrity(html: &str, href: &str, content: &[u8]) -> Result<String> {
    use base64::Engine;
    use sha2::Digest;
    let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha384::digest(content));
    let at = html
        .find(&format!("href=\"{href}\""))
        .ok_or_else(|| format!("index.html has no element with href=\"{href}\""))?;
    let open = html[..at].rfind('<').unwrap_or(0);
    let close = at + html[at..].find('>').unwrap_or(html.len() - at);
    let tag = &html[open..close];
    let attr = "integrity=\"sha384-";
    let start = open
        + tag
            .find(attr)
            .ok_or_else(|| format!("the element for {href} has no integrity hash"))?
        + attr.len();
    let end = start + html[start..].find('"').unwrap_or(0);
    Ok(format!("{}{hash}{}", &html[..start], &html[end..]))
}

fn test() -> Result {
    let env = setup::ensure_test_tools()?;
    let mut totals = summary::Totals::default();

    println!("\n== 1/3 native tests (cargo test --workspace)");
    totals.step(
        "native tests",
        cargo().envs(env.clone()).args([
            "test",
            "--no-fail-fast",
            "--workspace",
            "--exclude",
            "confab-e2e",
        ]),
    );

    println!("\n== 2/3 browser component tests (wasm-bindgen-test in headless Chromium)");
    totals.step(
        "wasm-bindgen-test",
        cargo()
            .envs(env.clone())
            .env("WASM_BINDGEN_TEST_TIMEOUT", "60")
            .args([
                "test",
                "--no-fail-fast",
                "-p",
                "confab",
                "--target",
                "wasm32-unknown-unknown",
            ]),
    );

    println!("\n== 3/3 end-to-end tests (widget + confab-server --mock + Chromium via WebDriver)");
    let e2e_dist = root().join("target/e2e-dist");
    let built = build_release(&env, &e2e_dist)
        .and_then(|()| run(cargo().args(["build", "-p", "confab-server"])));
    match built {
        Ok(()) => totals.step(
            "end-to-end",
            cargo()
                .envs(env)
                .env("CONFAB_DIST", &e2e_dist)
                .env("CONFAB_SERVER", root().join("target/debug/confab-server"))
                .args([
                    "test",
                    "--no-fail-fast",
                    "-p",
                    "confab-e2e",
                    "--",
                    "--test-threads=2",
                ]),
        ),
        Err(e) => totals.broken("end-to-end build", &e),
    }

    totals.finish()
}

#[cfg(test)]
mod tests {
    /// The architecture invariant, checked: confab-core's dependency tree has no browser crate.
    #[test]
    fn the_integrity_hash_follows_the_minified_file() {
        let html = r#"<link rel="modulepreload" href="/a.js" crossorigin="anonymous" integrity="sha384-OLD"><link href="/b.wasm" integrity="sha384-KEEP">"#;
        let out = super::with_integrity(html, "/a.js", b"").unwrap();
        // SHA-384 of nothing (`printf "" | openssl dgst -sha384 -binary | base64`).
        let empty = "OLBgp1GsljhM2TJ+sbHjaiH9txEUvgdDTAzHv2P24donTt6/529l+9Ua0vFImLlb";
        assert_eq!(out, html.replace("sha384-OLD", &format!("sha384-{empty}")));
        assert!(super::with_integrity(html, "/c.js", b"").is_err());
    }

    #[test]
    fn confab_core_depends_on_no_browser_api() {
        let out = super::cargo()
            .args([
                "tree",
                "-p",
                "confab-core",
                "--prefix",
                "none",
                "-e",
                "normal,build",
                "--target",
                "all",
            ])
            .output()
            .expect("cargo tree");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let tree = String::from_utf8_lossy(&out.stdout);
        assert!(tree.contains("thiserror"), "the tree was read: {tree}");
        for banned in ["web-sys", "js-sys", "wasm-bindgen", "leptos"] {
            assert!(
                !tree.lines().any(|l| l.starts_with(&format!("{banned} "))),
                "confab-core depends on {banned}:\n{tree}"
            );
        }
    }

    /// The quoted names in the text between `start` and the next `end`.
    fn quoted_list(text: &str, start: &str, end: &str) -> Vec<String> {
        let from = text.find(start).expect("the list's start") + start.len();
        let list = &text[from..from + text[from..].find(end).expect("the list's end")];
        list.split('"')
            .skip(1)
            .step_by(2)
            .map(str::to_owned)
            .collect()
    }

    /// The loader (`embed/confab.js`) observes every setting the widget knows: its own copy of
    /// the names must not fall behind `config::NAMES`.
    #[test]
    fn the_loader_observes_every_setting() {
        let root = super::root();
        let rust = std::fs::read_to_string(root.join("src/config.rs")).expect("config.rs");
        let js = std::fs::read_to_string(root.join("embed/confab.js")).expect("confab.js");
        let rust = quoted_list(&rust, "pub const NAMES: &[&str] = &[", "];");
        let js = quoted_list(&js, "var NAMES = [", "];");
        assert!(
            rust.len() > 20 && rust.contains(&"auth-header".to_owned()),
            "{rust:?}"
        );
        assert_eq!(js, rust);
    }
}
