//! `swapsim new`: a commented starter scenario.

use super::Error;
use clap::Args;
use std::io::Write as _;
use std::path::Path;
use swapsim::scenario::starter;

pub(super) const EXAMPLES: &str = "\
Examples:
  swapsim new my-scenario
      Write my-scenario.toml in the current folder: the calibrated default
      with every key explained. Then `swapsim explain my-scenario.toml`
      shows its numbers in days, and `swapsim run my-scenario.toml` runs it.";

#[derive(Debug, Args)]
pub struct NewArgs {
    /// Name of the scenario file to write in the current folder, without
    /// folders (`.toml` is added if missing); an existing file is never
    /// replaced.
    pub name: String,
}

pub(super) fn run(args: &NewArgs) -> Result<(), Error> {
    let file = starter::file_name(&args.name).map_err(Error::input)?;
    let path = Path::new(&file);
    let text = starter::starter_text(file.trim_end_matches(".toml"));
    // create_new: an existing file, even one created a moment ago by
    // someone else, is refused rather than replaced.
    let mut out = match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(Error::input(format!(
                "{file} already exists: swapsim new never replaces a file; choose another name \
                 or move the file away"
            )));
        }
        Err(e) => return Err(Error::other(anyhow::anyhow!("cannot create {file}: {e}"))),
    };
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.sync_all()) {
        // Never leave a half-written scenario behind.
        let _ = std::fs::remove_file(path);
        return Err(Error::other(anyhow::anyhow!("cannot write {file}: {e}")));
    }
    say!("wrote {file}: `swapsim explain {file}` says what its numbers mean in days");
    Ok(())
}
