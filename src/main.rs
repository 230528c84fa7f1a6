//! The `swapsim` binary: all of the work is in the library.

fn main() {
    std::process::exit(swapsim::cli::main());
}
