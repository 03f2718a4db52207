//! `cargo xtask bench [--quick]`: builds the release embed, installs the peer (Deep Chat, from
//! npm, dev-only) into `bench/`, runs `confab-bench` in headless Chromium, writes
//! `bench/results.json` and `BENCHMARKS.md`, and fails when a budget is exceeded.

use std::process::Command;

use serde_json::{json, Value};

use crate::{cargo, root, run, setup, Result};

const DEEP_CHAT: &str = "2.4.2";

fn ensure_deep_chat() -> Result {
    let pkg = root().join("bench/node_modules/deep-chat/package.json");
    let have = std::fs::read_to_string(&pkg)
        .ok()
        .and_then(|t| serde_json::from_str::<Value>(&t).ok());
    if have.as_ref().and_then(|v| v["version"].as_str()) != Some(DEEP_CHAT) {
        run(Command::new("npm").current_dir(root().join("bench")).args([
            "install",
            "--no-audit",
            "--no-fund",
        ]))?;
    }
    Ok(())
}

fn version(cmd: &str, arg: &str) -> String {
    Command::new(cmd)
        .arg(arg)
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

struct Check {
    what: String,
    value: String,
    budget: String,
    ok: bool,
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

fn checks(r: &Value) -> Vec<Check> {
    let mut out = Vec::new();
    let check = |what: &str, value: f64, unit: &str, budget: f64, ok: bool| Check {
        what: what.to_owned(),
        value: format!("{value:.3} {unit}"),
        budget: format!("{budget} {unit}"),
        ok,
    };
    let up_front = f(&r["transfer"]["confab_launcher"]["before_use"]["brotli11"]);
    out.push(check(
        "up front: what a host page loads before the launcher is used, brotli -11",
        up_front,
        "B",
        4_096.0,
        up_front <= 4_096.0,
    ));
    let br = f(&r["transfer"]["confab"]["brotli11"]);
    out.push(check(
        "first open: loader + glue + wasm (stylesheet inside), brotli -11",
        br,
        "B",
        340_000.0,
        br <= 340_000.0,
    ));
    // Measured at 20,000 tokens even with `--quick` (see confab-bench).
    let full = if r["budget_full_speed"].is_null() {
        &r["full_speed"][0]["median"]
    } else {
        &r["budget_full_speed"]["median"]
    };
    out.push(check(
        "full speed: main-thread CPU",
        f(&full["cpu_s"]),
        "s",
        2.0,
        f(&full["cpu_s"]) <= 2.0,
    ));
    let longest = f(&full["longest_task_ms"]);
    out.push(check(
        "full speed: longest task",
        longest,
        "ms",
        50.0,
        longest <= 50.0,
    ));
    let ratio = growth_ratio(full).unwrap_or(f64::NAN);
    out.push(check(
        "full speed: cost per token, last/first 10%",
        ratio,
        "×",
        1.5,
        ratio <= 1.5,
    ));
    let paced = &r["paced"][0]["median"];
    let share = f(&paced["cpu_share_of_wall"]) * 100.0;
    out.push(check(
        "paced: main-thread CPU share of wall time",
        share,
        "%",
        5.0,
        share <= 5.0,
    ));
    let gap = f(&paced["max_frame_gap_ms"]);
    out.push(check(
        "paced: longest frame gap (no task over 16 ms ⇒ no dropped frame)",
        gap,
        "ms",
        33.4,
        gap <= 33.4,
    ));
    let pr = growth_ratio(paced).unwrap_or(f64::NAN);
    out.push(check(
        "paced: cost per token, last/first 10%",
        pr,
        "×",
        1.5,
        pr <= 1.5,
    ));
    let scaling = f(&r["markdown_scaling"]["worst_ratio"]);
    out.push(check(
        "markdown: time for 4N bytes over N, worst hostile input (4 is linear)",
        scaling,
        "×",
        5.0,
        scaling <= 5.0,
    ));
    let restore = f(&r["long_conversation"]["restore_to_first_paint_median_ms"]);
    out.push(check(
        "1,000 messages: restore to first paint",
        restore,
        "ms",
        200.0,
        restore <= 200.0,
    ));
    let per = f(&r["memory_100_answers"]["js_heap_bytes_per_answer"]);
    out.push(check(
        "memory: JS heap growth per answer",
        per,
        "B",
        20_000.0,
        per <= 20_000.0,
    ));
    out
}

fn row(r: &Value) -> String {
    format!(
        "| {} | {:.2} | {:.2} | {:.0} | {} | {} | {:.0} | {:.1} MB | {} |",
        r["widget"].as_str().unwrap_or(""),
        f(&r["cpu_s"]),
        f(&r["wall_s"]),
        f(&r["longest_task_ms"]),
        if r["max_frame_gap_ms"].is_null() {
            "n/a".to_owned()
        } else {
            format!("{:.0}", f(&r["max_frame_gap_ms"]))
        },
        if r["frames_dropped"].is_null() {
            "n/a".to_owned()
        } else {
            r["frames_dropped"].to_string()
        },
        f(&r["dom_nodes"]),
        f(&r["js_heap_bytes"]) / 1e6,
        match growth_ratio(r) {
            Some(x) => {
                let g = &r["cost_growth"];
                let pct = |v: &Value| f(v) * 100.0;
                format!(
                    "{x:.2}× ({:.2} → {:.2} µs/char; first {:.0}–{:.0}%, last {:.0}–{:.0}%)",
                    f(&g["first_us_per_char"]),
                    f(&g["last_us_per_char"]),
                    pct(&g["first_covers"][0]),
                    pct(&g["first_covers"][1]),
                    pct(&g["last_covers"][0]),
                    pct(&g["last_covers"][1]),
                )
            }
            None => "n/a".to_owned(),
        }
    )
}

/// The cost-per-token ratio, if its two ends really are ends of the answer (at most a third
/// each; results written before `confab-bench` checked that may hold wider ones).
fn growth_ratio(r: &Value) -> Option<f64> {
    let g = &r["cost_growth"];
    let first_end = g["first_covers"][1].as_f64().unwrap_or(0.0);
    let last_start = g["last_covers"][0].as_f64().unwrap_or(1.0);
    g["ratio"]
        .as_f64()
        .filter(|_| first_end <= 1.0 / 3.0 && last_start >= 2.0 / 3.0)
}

fn markdown(r: &Value, checks: &[Check]) -> String {
    let date = version("date", "-u");
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_default();
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let t = &r["transfer"];
    let mut md = format!(
        "# Benchmarks\n\nWritten by `cargo xtask bench{}` — do not edit by hand.\n\n\
         - Date: {date}\n- Machine: {cpu}, {cores} cores\n- Browser: {}\n- {}\n- Deep Chat {DEEP_CHAT} (npm, dev-only, in `bench/`)\n\n\
         ## Method\n\n\
         The release embed (`cargo xtask dist`: opt-level z, LTO, one codegen unit, panic=abort, wasm-opt -Oz from \
         binaryen 132) is served with `confab-server --mock`. Headless Chromium is driven through chromedriver; \
         **CPU** is the page's main-thread task time from the DevTools Protocol (`Performance.getMetrics`, \
         `TaskDuration` minus `DevToolsCommandDuration`, i.e. without the harness's own sampling calls), not wall \
         time, because the machine is shared. Long tasks (≥ 50 ms) come from the Long Tasks API. Frame gaps and \
         dropped frames come from a `requestAnimationFrame` loop in a separate fourth run: that loop makes the \
         browser draw 60 frames a second, which costs main-thread time of its own (about 2% of wall time on an \
         idle page here), so the three CPU runs leave it out. DOM nodes are counted in the page's document (shadow roots \
         included); the back-forward cache is off, so earlier pages of the run hold no heap. The cost per token is \
         main-thread CPU per rendered character over the first and the last 10% of the answer; text appears in steps \
         (Confab renders at most every 150 ms while streaming), so each end is the sampled stretch that covers at least \
         its tenth, and the table says which. At full speed Confab renders the whole answer within a second in a few dozen \
         steps while the page is too busy to answer samples, so its cost per token there comes from a browser trace \
         instead: the time of the animation-frame tasks (the render, style, layout, paint) per mark the page makes at \
         each change of the rendered length, without the network reads. The budgets are for the 20,000-token answer: `--quick` compares the \
         widgets at 5,000 tokens and measures Confab alone at 20,000 as well. Deep Chat is fed the identical token stream from \
         the same mock (its request and response interceptors translate the OpenAI format), and measured the same \
         way. Streaming figures are the median of 3 runs by CPU (except Deep Chat's full-speed 20,000-token answer in a full run: one run, \
         about 20 minutes of wall time, without the frame probe, shown as n/a); cold start the median of 10. A long conversation \
         opens at its end: \"first paint\" is the frame that shows its newest answer; earlier messages are rendered \
         a page at a time when the reader scrolls up (measured from the scroll to the frame that shows them).\n\n",
        if r["quick"].as_bool() == Some(true) { " --quick" } else { "" },
        r["browser"].as_str().unwrap_or(""),
        version("rustc", "--version"),
    );
    md += "## Budgets\n\n| what | measured | budget | |\n|---|---|---|---|\n";
    for c in checks {
        md += &format!(
            "| {} | {} | ≤ {} | {} |\n",
            c.what,
            c.value,
            c.budget,
            if c.ok { "ok" } else { "**over**" }
        );
    }
    md += &format!(
        "\n## Transfer size (everything a host page loads)\n\n| widget | raw | gzip -9 | brotli -11 |\n|---|---|---|---|\n\
         | Confab (confab.js + confab-widget.js + wasm; CSS is inside the wasm) | {} | {} | {} |\n| Deep Chat {DEEP_CHAT} (deepChat.bundle.js) | {} | {} | {} |\n",
        t["confab"]["raw"], t["confab"]["gzip9"], t["confab"]["brotli11"],
        t["deep_chat"]["raw"], t["deep_chat"]["gzip9"], t["deep_chat"]["brotli11"]
    );
    let scaling = &r["markdown_scaling"];
    if !scaling.is_null() {
        md += &format!(
            "\n## Markdown on hostile input\n\nNative render time (best of 3) of inputs that overflowed the stack or \
             took quadratic time in the parser pulldown-cmark replaced, at N = {} bytes and 4N:\n\n\
             | input | N | 4N | 4N / N |\n|---|---|---|---|\n",
            scaling["n_bytes"]
        );
        for c in scaling["cases"].as_array().into_iter().flatten() {
            md += &format!(
                "| {} | {:.1} ms | {:.1} ms | {:.2}× |\n",
                c["input"].as_str().unwrap_or(""),
                f(&c["n_ms"]),
                f(&c["four_n_ms"]),
                f(&c["ratio"])
            );
        }
    }
    let parts = &r["size_by_part"];
    if !parts.is_null() {
        md += &format!(
            "\n## Size by part\n\nThe widget's wasm as [twiggy](https://crates.io/crates/twiggy) sees the release build \
             before wasm-opt (which strips the names the parts are told apart by): {:.0} bytes. A regression guard, \
             not a number to chase with hand-written replacements of standard libraries.\n\n| part | bytes | share |\n|---|---|---|\n",
            f(&parts["wasm_before_wasm_opt"])
        );
        for p in parts["parts"].as_array().into_iter().flatten() {
            md += &format!(
                "| {} | {:.0} | {:.1}% |\n",
                p["part"].as_str().unwrap_or(""),
                f(&p["bytes"]),
                f(&p["share"]) * 100.0
            );
        }
    }
    let l = &t["confab_launcher"];
    if !l.is_null() {
        let files = |v: &Value| {
            v["files"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|f| f["file"].as_str())
                .collect::<Vec<_>>()
                .join(" + ")
        };
        md += &format!(
            "\nA host page with the script-tag launcher fetches the widget only when the launcher is \
             first hovered, focused or clicked (the resources the browser fetched, measured):\n\n\
             | launcher page | files | raw | gzip -9 | brotli -11 |\n|---|---|---|---|---|\n\
             | before first use | {} | {} | {} | {} |\n| after the first open | {} | {} | {} | {} |\n\n\
             The first-open budget counts everything (the first row of the table above); the up-front \
             budget the first row here. From the click on a \
             launcher never hovered to the cursor in the composer (fetching from the HTTP cache of a local \
             server, compiling, mounting): median {:.0} ms of 5.\n",
            files(&l["before_use"]),
            l["before_use"]["raw"],
            l["before_use"]["gzip9"],
            l["before_use"]["brotli11"],
            files(&l["on_open"]),
            l["on_open"]["raw"],
            l["on_open"]["gzip9"],
            l["on_open"]["brotli11"],
            f(&l["first_open_median_ms"]),
        );
    }
    md += "\n## Cold start (navigation to the composer accepting input)\n\n| widget | median |\n|---|---|\n";
    for c in r["cold_start"].as_array().into_iter().flatten() {
        md += &format!(
            "| {} | {:.0} ms |\n",
            c["widget"].as_str().unwrap_or(""),
            f(&c["median_ms"])
        );
    }
    let header = "| widget | main-thread CPU (s) | wall (s) | longest task (ms, ≥50 only) | longest frame gap (ms) | frames dropped | DOM nodes | JS heap | cost per token, last/first 10% |\n|---|---|---|---|---|---|---|---|---|\n";
    md += &format!(
        "\n## Streaming, full speed: {} tokens, one per SSE event\n\n{header}",
        r["full_speed_tokens"]
    );
    for w in r["full_speed"].as_array().into_iter().flatten() {
        md += &format!("{}\n", row(&w["median"]));
    }
    if r["quick"].as_bool() == Some(true) && !r["budget_full_speed"].is_null() {
        md += &format!(
            "\nConfab alone at 20,000 tokens (the budgets' size; `--quick` compares the widgets at {}):\n\n{header}{}\n",
            r["full_speed_tokens"],
            row(&r["budget_full_speed"]["median"])
        );
    }
    md += &format!(
        "\n## Streaming, paced: {} tokens at {} tokens/s\n\n{header}",
        r["paced_tokens"], r["paced_tokens_per_second"]
    );
    for w in r["paced"].as_array().into_iter().flatten() {
        md += &format!("{}\n", row(&w["median"]));
    }
    let l = &r["long_conversation"];
    md += &format!(
        "\n## Long conversation (1,000 stored messages)\n\n- Navigation to the first paint of the restored conversation (its newest answer on screen): {:.0} ms (median of 5)\n\
         - Scrolling to the top to the frame that shows the earlier messages: {:.0} ms (median of 5)\n- DOM nodes: {:.0}; JS heap: {:.1} MB\n\
         - Input latency in the composer (key down to next frame): median {:.1} ms, max {:.1} ms\n",
        f(&l["restore_to_first_paint_median_ms"]), f(&l["earlier_page_median_ms"]), f(&l["dom_nodes"]), f(&l["js_heap_bytes"]) / 1e6,
        f(&l["input_latency_median_ms"]), f(&l["input_latency_max_ms"])
    );
    let m = &r["memory_100_answers"];
    md += &format!(
        "\n## Memory over 100 answers in one page (after a forced GC)\n\n- After 10 answers: JS heap {:.2} MB, {:.0} DOM nodes\n- After 100 answers: JS heap {:.2} MB, {:.0} DOM nodes\n\
         - Growth per answer: {:.0} B of JS heap, {:.1} DOM nodes (the history itself: two messages and their DOM)\n\
         - Not measured yet: the wasm linear memory (not part of the JS heap).\n",
        f(&m["after_10"]["js_heap_bytes"]) / 1e6, f(&m["after_10"]["dom_nodes"]),
        f(&m["after_100"]["js_heap_bytes"]) / 1e6, f(&m["after_100"]["dom_nodes"]),
        f(&m["js_heap_bytes_per_answer"]), f(&m["dom_nodes_per_answer"])
    );
    md
}

/// Which part of the widget a function of the wasm belongs to, by the crate its (demangled)
/// name starts with; `<A as B>::f` counts for `A`.
fn part_of(name: &str) -> &'static str {
    if name.starts_with("data") {
        return "data (the stylesheet, strings, tables)";
    }
    // wasm-bindgen's own custom sections and the describe functions and exports it reads
    // and then removes, and the names that wasm-opt strips.
    if name.contains("subsection")
        || name.starts_with("custom section")
        || name.contains("__wbindgen_describe")
    {
        return NOT_SHIPPED;
    }
    let trim = |s: &str| -> String {
        s.trim_start_matches(['<', '&', '*', ' '])
            .trim_start_matches("mut ")
            .trim_start_matches("dyn ")
            .to_owned()
    };
    let mut path = trim(name);
    // `<F as tachys::…::ReactiveFunction>::invoke`: a generic's code counts for the trait's crate.
    if let Some((first, rest)) = path.clone().split_once(" as ") {
        if !first.contains("::") {
            path = trim(rest);
        }
    }
    if path.starts_with("import ") || path.starts_with("export ") {
        return "wasm-bindgen, js-sys, web-sys, gloo-net";
    }
    // `core[c5930c85a12de822]`: the standard library's crates carry a hash.
    let krate = path.split("::").next().unwrap_or("");
    let krate = krate.split('[').next().unwrap_or(krate);
    match krate {
        "leptos" | "leptos_dom" | "leptos_macro" | "leptos_server" | "tachys"
        | "reactive_graph" | "reactive_stores" | "any_spawner" | "server_fn" | "or_poisoned"
        | "throw_error" | "hydration_context" | "oco_ref" | "either_of" | "next_tuple"
        | "slotmap" | "send_wrapper" | "guardian" | "futures" | "futures_util"
        | "futures_channel" | "futures_executor" | "futures_core" | "pin_project_lite" => {
            "Leptos (tachys, reactive_graph, futures)"
        }
        "serde" | "serde_core" | "serde_json" | "ryu" | "itoa" | "indexmap" => "serde, serde_json",
        "pulldown_cmark" | "unicase" => "markdown (pulldown-cmark)",
        "confab" | "confab_widget" | "confab_core" => "Confab's own code",
        "wasm_bindgen"
        | "js_sys"
        | "web_sys"
        | "gloo_net"
        | "gloo_utils"
        | "wasm_bindgen_futures" => "wasm-bindgen, js-sys, web-sys, gloo-net",
        "core" | "alloc" | "std" | "dlmalloc" | "hashbrown" | "compiler_builtins"
        | "rustc_demangle" | "memchr" | "__rustc" | "char>" | "u8>" | "u32>" | "str>" => {
            "Rust's standard library and allocator"
        }
        _ if name.starts_with("code[")
            || name.contains("section")
            || name.starts_with("type[")
            || name.starts_with("elem[")
            || name.starts_with("table[")
            || name.starts_with("import ")
            || name.starts_with("export ")
            || name.starts_with("global[")
            || name.contains("magic") =>
        {
            "other sections (types, imports, exports, tables)"
        }
        _ => "other crates",
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn functions_are_counted_for_their_crate() {
        use super::part_of;
        for (name, part) in [
            (
                "<F as tachys::reactive_graph::ReactiveFunction>::invoke::hb5c",
                "Leptos (tachys, reactive_graph, futures)",
            ),
            (
                "reactive_graph::owner::Owner::with::h3c2",
                "Leptos (tachys, reactive_graph, futures)",
            ),
            (
                "pulldown_cmark::firstpass::FirstPass::parse_block::h55e",
                "markdown (pulldown-cmark)",
            ),
            (
                "confab::chat::Chat::stream_into::{{closure}}::h3a7",
                "Confab's own code",
            ),
            (
                "<serde_json::de::Deserializer<R>>::parse_any::h1",
                "serde, serde_json",
            ),
            (
                "<&mut serde_json::ser::Serializer<W> as serde_core::ser::Serializer>::f",
                "serde, serde_json",
            ),
            (
                "data segment \".rodata\"",
                "data (the stylesheet, strings, tables)",
            ),
            ("\"function names\" subsection", super::NOT_SHIPPED),
            (
                "custom section '__wasm_bindgen_unstable'",
                super::NOT_SHIPPED,
            ),
            (
                "core::fmt::write::h1",
                "Rust's standard library and allocator",
            ),
            (
                "core[c5930c85a12de822]::fmt::write",
                "Rust's standard library and allocator",
            ),
            (
                "import __wbindgen_placeholder__ __wbg_x",
                "wasm-bindgen, js-sys, web-sys, gloo-net",
            ),
            (
                "export \"__wbindgen_describe___wbg_new_x\"",
                super::NOT_SHIPPED,
            ),
        ] {
            assert_eq!(part_of(name), part, "{name}");
        }
    }
}

/// Custom sections that wasm-opt removes from what is shipped (the names, wasm-bindgen's own).
const NOT_SHIPPED: &str = "not shipped";

/// The widget's wasm by part, as twiggy sees the release build before wasm-opt (which strips
/// the names the parts are told apart by): bytes and share of each part.
fn size_by_part() -> Result<Value> {
    setup::ensure_twiggy()?;
    let wasm = root().join("target/wasm32-unknown-unknown/release/confab-widget.wasm");
    let out = Command::new("twiggy")
        .args(["top", "-n", "1000000", "--format", "json"])
        .arg(&wasm)
        .output()
        .map_err(|e| format!("twiggy: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "twiggy top {}: {}",
            wasm.display(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let items: Value = serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())?;
    let mut parts: std::collections::BTreeMap<&str, f64> = Default::default();
    let mut total = 0.0;
    for item in items.as_array().into_iter().flatten() {
        let size = f(&item["shallow_size"]);
        let part = part_of(item["name"].as_str().unwrap_or(""));
        if part == NOT_SHIPPED {
            continue;
        }
        *parts.entry(part).or_default() += size;
        total += size;
    }
    let mut list: Vec<Value> = parts
        .into_iter()
        .map(|(part, bytes)| json!({"part": part, "bytes": bytes, "share": bytes / total}))
        .collect();
    list.sort_by(|a, b| f(&b["bytes"]).total_cmp(&f(&a["bytes"])));
    Ok(json!({"wasm_before_wasm_opt": total, "parts": list}))
}

/// Runs the measurements, unless `report_only`: then the budgets are checked and
/// `BENCHMARKS.md` rewritten from the existing `bench/results.json`.
pub fn bench(quick: bool, report_only: bool) -> Result {
    if report_only {
        let out = root().join("bench/results.json");
        add_size_by_part(&out)?;
        return report(&out);
    }
    let dist = crate::dist()?;
    let env = setup::ensure_test_tools()?;
    ensure_deep_chat()?;
    run(cargo().args(["build", "-p", "confab-server"]))?;
    let out = root().join("bench/results.json");
    let mut cmd = cargo();
    cmd.envs(env)
        .env("CONFAB_DIST", &dist)
        .env("CONFAB_SERVER", root().join("target/debug/confab-server"))
        .env("CONFAB_BENCH_OUT", &out)
        .env(
            "DEEPCHAT_BUNDLE",
            root().join("bench/node_modules/deep-chat/dist/deepChat.bundle.js"),
        )
        .args([
            "run",
            "--release",
            "-p",
            "confab-e2e",
            "--bin",
            "confab-bench",
            "--",
        ]);
    if quick {
        cmd.arg("--quick");
    }
    run(&mut cmd)?;
    add_size_by_part(&out)?;
    report(&out)
}

/// The size by part (of the last release build) goes beside the browser's measurements.
fn add_size_by_part(out: &std::path::Path) -> Result {
    let mut results: Value =
        serde_json::from_str(&std::fs::read_to_string(out).map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
    results["size_by_part"] = size_by_part()?;
    std::fs::write(
        out,
        serde_json::to_string_pretty(&results).map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())
}

fn report(out: &std::path::Path) -> Result {
    let results: Value =
        serde_json::from_str(&std::fs::read_to_string(out).map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
    let checks = checks(&results);
    // The record of what changed the figures, kept by hand, follows the measurements.
    let history = std::fs::read_to_string(root().join("bench/history.md")).unwrap_or_default();
    std::fs::write(
        root().join("BENCHMARKS.md"),
        markdown(&results, &checks) + "\n" + &history,
    )
    .map_err(|e| e.to_string())?;
    println!("\nBudgets:");
    for c in &checks {
        println!(
            "  {} {}: {} (budget ≤ {})",
            if c.ok { "ok  " } else { "OVER" },
            c.what,
            c.value,
            c.budget
        );
    }
    println!("Wrote BENCHMARKS.md and bench/results.json");
    if checks.iter().all(|c| c.ok) {
        Ok(())
    } else {
        Err("a budget was exceeded (see BENCHMARKS.md)".into())
    }
}
