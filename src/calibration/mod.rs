//! Calibration: from the record of exchanges to the values of a scenario.
//!
//! A scenario's exchange process is only as good as its numbers, and the
//! record of past exchanges is the one evidence about them. This module
//! owns every step between the two, so that `swapsim calibrate`, the
//! back-tests and the charts cut, fit and map in exactly the same way:
//!
//! - [`window`] cuts a window of the record into what the fits take;
//! - [`hmm`] and [`negbin`] fit the timing and the sizes of rounds by
//!   maximum likelihood, with the optimisers of [`optimize`] and the
//!   estimates and errors of [`fit`];
//! - [`variant`] fits the timing by the model chosen (two states or one,
//!   recency weights, the escalation index as a covariate);
//! - [`covariate`] fits the timing with the observed escalation index as
//!   a covariate and tests whether escalation suspends exchanges;
//! - [`conditions`] simulates the base scenario's escalation and mediation
//!   and solves for the baseline that matches a fitted daily probability;
//! - [`mapping`] carries the fits onto the scenario's values, with their
//!   intervals, into a [`mapping::Calibration`];
//! - [`rewrite`] writes those values into the base scenario's text;
//! - [`diagnostics`] builds the rows that charts and tables draw to show
//!   how well the fit reads the record.
//!
//! Reading the record is [`crate::history`]'s work and printing results is
//! [`crate::cli`]'s; neither happens here.

pub mod conditions;
pub mod covariate;
pub mod diagnostics;
pub mod fit;
pub mod hmm;
pub mod mapping;
pub mod negbin;
pub mod optimize;
pub mod rewrite;
pub mod variant;
pub mod window;

use fit::FitError;

/// Why a calibration failed.
#[derive(Debug, thiserror::Error)]
pub enum CalibrateError {
    #[error("cannot fit the timing of rounds from {from} to {to}")]
    Timing {
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
        #[source]
        source: FitError,
    },
    #[error("cannot fit round sizes from {from} to {to}")]
    Sizes {
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
        #[source]
        source: FitError,
    },
    #[error("{0}")]
    Mapping(String),
    #[error("cannot simulate the base scenario: {0}")]
    Engine(String),
}
