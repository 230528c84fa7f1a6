//! One error type for every job, carrying the exit code it deserves.
//!
//! A researcher needs to know whether a failure is theirs to fix (a bad
//! scenario file, a wrong option, a damaged shard: exit code 2) or the
//! machine's (an unwritable directory, a full disk: exit code 1). Each
//! module reports its own failures with its own error type, naming the
//! file, line or field; the jobs classify them once, here, so the command
//! line only maps an [`Error`] to an exit code and prints its chain.

use std::fmt;

/// Whose fault a failure is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Bad input: arguments, scenario files, records, shard files (exit 2).
    Input,
    /// Anything else: writing results, threads, the file system (exit 1).
    Other,
}

/// A failure of a job, with its cause chain.
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
    inner: anyhow::Error,
}

/// The result of a job's step.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Bad input, described by `message`.
    pub fn input(message: impl fmt::Display) -> Self {
        Error {
            kind: ErrorKind::Input,
            inner: anyhow::anyhow!("{message}"),
        }
    }

    /// Bad input, described by an error of another module.
    pub fn input_from(error: impl Into<anyhow::Error>) -> Self {
        Error {
            kind: ErrorKind::Input,
            inner: error.into(),
        }
    }

    /// A failure that is not the input's fault.
    pub fn other(error: impl Into<anyhow::Error>) -> Self {
        Error {
            kind: ErrorKind::Other,
            inner: error.into(),
        }
    }

    /// Whose fault it is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The process exit code: 2 for bad input, 1 for anything else.
    pub fn exit_code(&self) -> i32 {
        match self.kind {
            ErrorKind::Input => 2,
            ErrorKind::Other => 1,
        }
    }

    /// The error and its causes, outermost first.
    pub fn chain(&self) -> impl Iterator<Item = &(dyn std::error::Error + 'static)> {
        self.inner.chain()
    }

    /// The same error with `context` in front of its message.
    pub fn context(self, context: impl fmt::Display + Send + Sync + 'static) -> Self {
        Error {
            kind: self.kind,
            inner: self.inner.context(context),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

impl From<crate::scenario::ScenarioError> for Error {
    fn from(e: crate::scenario::ScenarioError) -> Self {
        Error::input_from(e)
    }
}

impl From<crate::outputs::OutputError> for Error {
    fn from(e: crate::outputs::OutputError) -> Self {
        match e {
            crate::outputs::OutputError::NotReportable { .. }
            | crate::outputs::OutputError::NoReport { .. }
            | crate::outputs::OutputError::Unreadable { .. } => Error::input_from(e),
            other => Error::other(other),
        }
    }
}

impl From<crate::history::RecordError> for Error {
    fn from(e: crate::history::RecordError) -> Self {
        Error::input_from(e)
    }
}

impl From<crate::calibration::CalibrateError> for Error {
    /// A window or base scenario the fit cannot use is bad input; a failure
    /// to simulate is not.
    fn from(e: crate::calibration::CalibrateError) -> Self {
        match e {
            crate::calibration::CalibrateError::Engine(_) => Error::other(e),
            _ => Error::input_from(e),
        }
    }
}

impl From<crate::backtest::BacktestError> for Error {
    fn from(e: crate::backtest::BacktestError) -> Self {
        use crate::backtest::BacktestError;
        match e {
            BacktestError::Input(m) => Error::input(m),
            BacktestError::Calibrate(c) => Error::from(c),
            BacktestError::Engine(_) => Error::other(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_errors_exit_2_and_others_exit_1() {
        assert_eq!(Error::input("bad").exit_code(), 2);
        assert_eq!(Error::other(std::io::Error::other("disk")).exit_code(), 1);
    }

    #[test]
    fn context_keeps_the_kind_and_the_cause() {
        let e = Error::input("line 3: bad date").context("scenario.toml");
        assert_eq!(e.kind(), ErrorKind::Input);
        let messages: Vec<String> = e.chain().map(|c| c.to_string()).collect();
        assert_eq!(messages, ["scenario.toml", "line 3: bad date"]);
    }
}
