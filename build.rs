//! Puts the widget's stylesheet into the wasm without its comments and indentation (about 20%
//! of its bytes). Only comments and runs of white space go: the stylesheet has no strings in
//! which either would matter.

use std::path::Path;

fn main() {
    let source = "style/confab.css";
    println!("cargo:rerun-if-changed={source}");
    let css = std::fs::read_to_string(source).expect("style/confab.css");
    let out = std::env::var("OUT_DIR").expect("OUT_DIR");
    std::fs::write(Path::new(&out).join("confab.css"), compact(&css))
        .expect("write the stylesheet");
}

/// The stylesheet without `/* … */` comments, each run of white space one space.
fn compact(css: &str) -> String {
    let mut out = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(start) = rest.find("/*") {
        out.push_str(&rest[..start]);
        rest = rest[start + 2..]
            .find("*/")
            .map_or("", |end| &rest[start + 2 + end + 2..]);
    }
    out.push_str(rest);
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}
