//! All integration tests, in one binary so they build once.

mod cli;
mod determinism;
mod model_laws;
mod scenario_files;
mod sensitivity;
