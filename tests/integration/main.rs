//! All integration tests, in one binary so they build once.

mod cli;
mod compare;
mod determinism;
mod model_laws;
mod report;
mod scale;
mod scenario_files;
mod sensitivity;
