//! All integration tests, in one binary so they build once.

mod backtest;
mod calibration;
mod careless_input;
mod cli;
mod common;
mod compare;
mod determinism;
mod ensemble;
mod events;
mod explain;
mod history_record;
mod hostile_report;
mod model_laws;
mod readme;
mod report;
mod robust;
mod scale;
mod scenario_files;
mod sensitivity;
mod typed_analyses;
mod untrusted_shards;
