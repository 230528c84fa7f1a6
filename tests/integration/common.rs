//! Helpers every integration test module shares: running the built binary
//! and asserting that it succeeded, written once so that a change to how
//! the binary is started reaches every test.

use std::path::Path;
use std::process::{Command, Output};

/// Runs the built `swapsim` binary with `args` in the working directory
/// `dir` and waits for it.
pub fn swapsim(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_swapsim"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("the swapsim binary starts")
}

/// Asserts that `out` exited 0, showing its standard error otherwise, and
/// returns its standard output.
pub fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The standard error of `out`, as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}
