//! The `swapsim` binary: the command line over the library's jobs.
//!
//! Everything that simulates, computes or writes results lives in the
//! library; this crate maps arguments to a job's options, draws progress,
//! prints headlines and turns one error type into the exit codes 0, 1 and 2.

mod cli;

fn main() {
    std::process::exit(cli::main());
}
