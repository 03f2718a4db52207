//! Runs test commands, echoes their output, and adds up libtest's `test result:` lines into one
//! closing `N passed, M failed`.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[derive(Default)]
pub struct Totals {
    passed: u64,
    failed: u64,
    broken: Vec<String>,
}

impl Totals {
    /// Runs one step. A step that exits non-zero without reporting a failed test (a build
    /// error, a crashed runner) counts as broken.
    pub fn step(&mut self, name: &str, cmd: &mut Command) {
        let (passed, failed, ok) = match run_counting(cmd) {
            Ok(r) => r,
            Err(e) => return self.broken(name, &e),
        };
        self.passed += passed;
        self.failed += failed;
        if !ok && failed == 0 {
            self.broken(
                name,
                "it exited with an error before reporting failed tests",
            );
        } else if passed + failed == 0 {
            self.broken(name, "it ran no test");
        }
    }

    pub fn broken(&mut self, name: &str, why: &str) {
        eprintln!("xtask: step `{name}` is broken: {why}");
        self.broken.push(name.to_owned());
    }

    pub fn finish(self) -> crate::Result {
        println!();
        for b in &self.broken {
            println!("broken step: {b}");
        }
        println!("{} passed, {} failed", self.passed, self.failed);
        if self.failed == 0 && self.broken.is_empty() {
            Ok(())
        } else {
            Err("some tests failed".into())
        }
    }
}

/// Returns (passed, failed, exited successfully).
fn run_counting(cmd: &mut Command) -> Result<(u64, u64, bool), String> {
    let mut child = cmd
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not start {cmd:?}: {e}"))?;
    let stdout = child.stdout.take().expect("piped stdout");
    let (mut passed, mut failed) = (0, 0);
    for line in BufReader::new(stdout).lines() {
        let Ok(line) = line else { break };
        println!("{line}");
        if let Some((p, f)) = parse_result(&line) {
            passed += p;
            failed += f;
        }
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    Ok((passed, failed, status.success()))
}

/// `test result: ok. 22 passed; 0 failed; 0 ignored; …` → (22, 0).
fn parse_result(line: &str) -> Option<(u64, u64)> {
    let rest = line.trim().strip_prefix("test result: ")?;
    let number_before = |word: &str| -> Option<u64> {
        let at = rest.find(word)?;
        rest[..at]
            .trim_end()
            .rsplit([' ', '.', ';'])
            .next()?
            .parse()
            .ok()
    };
    Some((number_before(" passed")?, number_before(" failed")?))
}

#[cfg(test)]
mod tests {
    use super::parse_result;

    #[test]
    fn libtest_result_lines() {
        assert_eq!(
            parse_result("test result: ok. 22 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s"),
            Some((22, 0))
        );
        assert_eq!(
            parse_result("test result: FAILED. 3 passed; 2 failed; 0 ignored"),
            Some((3, 2))
        );
        assert_eq!(parse_result("running 3 tests"), None);
    }
}
