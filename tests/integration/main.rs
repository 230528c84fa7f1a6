//! All integration tests, in one binary so they build once.

mod backtest;
mod calibration;
mod cli;
mod determinism;
mod history_record;
mod model_laws;
mod scenario_files;
