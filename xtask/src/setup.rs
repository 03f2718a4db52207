//! Idempotent installation of the toolchain: each tool's version is checked first, and only a
//! missing or wrong one is installed, from the package registries (crates.io, npm, Debian).

use std::path::PathBuf;
use std::process::Command;

use crate::{root, run, Result};

pub const TRUNK_VERSION: &str = "0.21.14";
pub const BINARYEN_VERSION: &str = "132.0.0";
pub const TERSER_VERSION: &str = "5.51.4";
pub const TWIGGY_VERSION: &str = "0.8.0";

/// Environment for commands that use the tools: PATH with the project's wasm-opt first, and
/// trunk kept offline so it never tries to download a tool of its own.
pub type Env = Vec<(String, String)>;

fn cargo_home() -> PathBuf {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var("HOME").unwrap_or_else(|_| "/root".into())).join(".cargo")
        })
}

/// The npm tools' manifest and lockfile (binaryen for wasm-opt, terser for the glue and the
/// loader), every package's version pinned.
fn npm_manifest() -> Result<(String, String)> {
    let dir = root().join("xtask/npm");
    let read = |name: &str| {
        std::fs::read_to_string(dir.join(name)).map_err(|e| format!("xtask/npm/{name}: {e}"))
    };
    Ok((read("package.json")?, read("package-lock.json")?))
}

/// Where the npm tools are installed (`npm ci`): under cargo's home, shared by every clone, one
/// folder per lockfile.
fn npm_tools_dir() -> PathBuf {
    use sha2::Digest;
    let lock = npm_manifest().map(|(_, lock)| lock).unwrap_or_default();
    let hash = sha2::Sha256::digest(lock.as_bytes());
    let short: String = hash.iter().take(6).map(|b| format!("{b:02x}")).collect();
    cargo_home()
        .join("confab-tools")
        .join(format!("npm-{short}"))
}

/// The terser program the release build minifies with.
pub fn terser() -> PathBuf {
    npm_tools_dir().join("node_modules/.bin/terser")
}

fn version_of(program: &str, arg: &str) -> Option<String> {
    let out = Command::new(program).arg(arg).envs(env()).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

fn say(what: &str) {
    println!("xtask: {what}");
}

fn env() -> Env {
    let path = std::env::var("PATH").unwrap_or_default();
    let path = format!(
        "{}:{}:{path}",
        npm_tools_dir().join("node_modules/.bin").display(),
        cargo_home().join("bin").display()
    );
    vec![
        ("PATH".into(), path),
        ("TRUNK_OFFLINE".into(), "true".into()),
    ]
}

/// The wasm-bindgen version Cargo.lock resolves; the CLI must match it exactly.
fn locked_wasm_bindgen() -> Result<String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock"))
        .map_err(|e| format!("Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\"" {
            if let Some(v) = lines.next().and_then(|l| l.strip_prefix("version = \"")) {
                return Ok(v.trim_end_matches('"').to_owned());
            }
        }
    }
    Err("Cargo.lock names no wasm-bindgen version".into())
}

fn ensure_wasm_target() -> Result {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("wasm32-unknown-unknown"))
        .unwrap_or(false);
    if !installed {
        say("installing the wasm32-unknown-unknown target");
        run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))?;
    }
    Ok(())
}

fn ensure_trunk() -> Result {
    let want = format!("trunk {TRUNK_VERSION}");
    if version_of("trunk", "--version").as_deref() != Some(want.as_str()) {
        say(&format!("installing {want} (takes several minutes once)"));
        run(Command::new("cargo").args([
            "install",
            "trunk",
            "--version",
            TRUNK_VERSION,
            "--locked",
        ]))?;
    }
    Ok(())
}

fn ensure_wasm_bindgen() -> Result {
    let version = locked_wasm_bindgen()?;
    let want = format!("wasm-bindgen {version}");
    let have = version_of("wasm-bindgen", "--version");
    let runner = version_of("wasm-bindgen-test-runner", "--version");
    let runner_ok = runner.as_deref().is_some_and(|r| r.ends_with(&version));
    if have.as_deref() != Some(want.as_str()) || !runner_ok {
        say(&format!("installing wasm-bindgen-cli {version}"));
        // Not --locked: its lockfile wants a crate version the registry here lacks.
        run(Command::new("cargo").args([
            "install",
            "wasm-bindgen-cli",
            "--version",
            &version,
            "--force",
        ]))?;
    }
    Ok(())
}

/// wasm-opt (binaryen) and terser, installed with `npm ci` from the project's lockfile.
fn ensure_npm_tools() -> Result {
    let wasm_opt = npm_tools_dir().join("node_modules/.bin/wasm-opt");
    let wasm_opt_ok =
        version_of(wasm_opt.to_str().unwrap_or_default(), "--version").is_some_and(|v| {
            v.contains(&format!(
                "version {}",
                BINARYEN_VERSION.split('.').next().unwrap_or("")
            ))
        });
    let terser_ok = version_of(terser().to_str().unwrap_or_default(), "--version")
        .is_some_and(|v| v == format!("terser {TERSER_VERSION}"));
    if !(wasm_opt_ok && terser_ok) {
        say(&format!(
            "installing binaryen {BINARYEN_VERSION} (wasm-opt) and terser {TERSER_VERSION} from npm (npm ci)"
        ));
        let dir = npm_tools_dir();
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let (manifest, lock) = npm_manifest()?;
        for (name, text) in [("package.json", manifest), ("package-lock.json", lock)] {
            std::fs::write(dir.join(name), text).map_err(|e| format!("{name}: {e}"))?;
        }
        run(Command::new("npm")
            .current_dir(&dir)
            .args(["ci", "--no-audit", "--no-fund"]))?;
    }
    Ok(())
}

fn ensure_chromium() -> Result {
    let have = |p: &str| {
        Command::new("which")
            .arg(p)
            .envs(env())
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !(have("chromium") && have("chromedriver")) {
        say("installing Debian's chromium and chromium-driver");
        run(Command::new("apt-get").arg("update"))?;
        run(Command::new("apt-get")
            .args([
                "install",
                "-y",
                "--no-install-recommends",
                "chromium",
                "chromium-driver",
            ])
            .env("DEBIAN_FRONTEND", "noninteractive"))?;
    }
    Ok(())
}

/// twiggy, the wasm code size profiler the benchmark reports the widget's size by part with.
pub fn ensure_twiggy() -> Result {
    let want = format!("twiggy {TWIGGY_VERSION}");
    if version_of("twiggy", "--version").as_deref() != Some(want.as_str()) {
        say(&format!("installing {want} (takes a few minutes once)"));
        run(Command::new("cargo").args([
            "install",
            "twiggy",
            "--version",
            TWIGGY_VERSION,
            "--locked",
        ]))?;
    }
    Ok(())
}

/// What building the widget needs.
pub fn ensure_build_tools() -> Result<Env> {
    ensure_wasm_target()?;
    ensure_trunk()?;
    ensure_wasm_bindgen()?;
    ensure_npm_tools()?;
    // Trunk runs cargo offline: every crate must already be here.
    run(Command::new("cargo").current_dir(root()).arg("fetch"))?;
    Ok(env())
}

/// What the tests need: the build tools and a browser with its WebDriver.
pub fn ensure_test_tools() -> Result<Env> {
    let env = ensure_build_tools()?;
    ensure_chromium()?;
    Ok(env)
}
