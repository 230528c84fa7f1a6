//! swapsim: a Monte Carlo simulator of wartime prisoner-exchange processes.
//!
//! Data flows one way: a scenario file is validated into a
//! [`scenario::Scenario`], the [`engine`] runs independent trials of the
//! [`model`], [`stats`] aggregates their outcomes, and [`report`] and
//! [`plot`] write tables and charts from those aggregates. The key outcomes
//! that comparisons, sweeps and sensitivity designs report are defined once,
//! in [`outcomes`].

pub mod backtest;
pub mod calibration;
pub mod dates;
pub mod engine;
pub mod error;
pub mod format;
pub mod history;
pub mod input;
pub mod jobs;
pub mod model;
pub mod outcomes;
pub mod outputs;
pub mod plot;
pub mod report;
pub mod scenario;
pub mod sensitivity;
pub mod stats;
