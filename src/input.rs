//! Reading the files people give swapsim: scenarios, records, paths.
//!
//! A file named on the command line may be anything: a folder, a FIFO that
//! never ends, `/dev/zero`, a spreadsheet saved in another encoding, a
//! multi-gigabyte log. Each is refused at once with a message that says
//! what it is and what is wanted, before a byte is read into memory beyond
//! a stated limit, and text that is not UTF-8 is reported with its line and
//! byte, so that nothing hangs, exhausts memory or fails with a bare "stream
//! did not contain valid UTF-8".

use std::fs;
use std::io::Read;
use std::path::Path;

/// Largest scenario file read (bytes): a scenario with hundreds of
/// mediators and events is a few hundred kilobytes.
pub const MAX_SCENARIO_BYTES: u64 = 4 << 20;

/// Largest table of data read (a record of exchanges, an escalation path):
/// a daily series over a century is a few megabytes.
pub const MAX_TABLE_BYTES: u64 = 64 << 20;

/// Largest table swapsim wrote that it reads back for `discover` (an
/// ensemble's, a design's or a robust comparison's rows): a Sobol design of
/// the largest size `sensitivity` allows is a few hundred megabytes.
pub const MAX_RESULTS_TABLE_BYTES: u64 = 1 << 30;

/// Reads `path` as UTF-8 text of at most `max_bytes`, refusing anything
/// that is not a regular file. The error is a message for the user, to be
/// prefixed with the file's name by the caller.
pub fn read_text(path: &Path, max_bytes: u64) -> Result<String, String> {
    let meta = fs::metadata(path).map_err(|e| format!("cannot read it: {e}"))?;
    let kind = meta.file_type();
    if kind.is_dir() {
        return Err("it is a folder, not a file".to_string());
    }
    if !kind.is_file() {
        return Err(
            "it is not a regular file (a device, a pipe or a socket): give a file saved on disk"
                .to_string(),
        );
    }
    if meta.len() > max_bytes {
        return Err(format!(
            "it is {} bytes, more than the {max_bytes} this kind of file may have",
            meta.len()
        ));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // A file that grows while it is read is still cut at the limit.
    fs::File::open(path)
        .and_then(|f| f.take(max_bytes + 1).read_to_end(&mut bytes))
        .map_err(|e| format!("cannot read it: {e}"))?;
    if bytes.len() as u64 > max_bytes {
        return Err(format!(
            "it is more than the {max_bytes} bytes this kind of file may have"
        ));
    }
    utf8(bytes)
}

/// The text of `bytes`, or where the first byte that is not UTF-8 is.
pub fn utf8(bytes: Vec<u8>) -> Result<String, String> {
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let before = &bytes[..at];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        format!(
            "line {line}, byte {} of the line (byte {} of the file, 0x{:02X}): this is not \
             UTF-8 text; save the file as UTF-8 (plain text)",
            at - line_start + 1,
            at + 1,
            bytes[at]
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_that_is_not_utf8_is_located() {
        let e = utf8(b"name = \"x\"\nseed = 1 \xE9t\xE9\n".to_vec()).unwrap_err();
        assert!(
            e.starts_with("line 2, byte 10 of the line (byte 21 of the file, 0xE9)"),
            "{e}"
        );
        assert_eq!(utf8(b"ok\n".to_vec()).unwrap(), "ok\n");
    }

    #[test]
    fn folders_devices_and_large_files_are_refused_before_reading() {
        let tmp = tempfile::tempdir().unwrap();
        let e = read_text(tmp.path(), 100).unwrap_err();
        assert!(e.contains("folder"), "{e}");
        let big = tmp.path().join("big.toml");
        fs::write(&big, vec![b'#'; 200]).unwrap();
        let e = read_text(&big, 100).unwrap_err();
        assert!(e.contains("200 bytes"), "{e}");
        #[cfg(unix)]
        {
            let e = read_text(Path::new("/dev/zero"), 100).unwrap_err();
            assert!(e.contains("not a regular file"), "{e}");
        }
        assert!(read_text(&tmp.path().join("absent.toml"), 100).is_err());
    }
}
