//! What the likelihood fits return, and why a fit can fail.
//!
//! Two things in the record carry information about swapsim's exchange
//! process: on which days rounds began, and how many people each round
//! brought home. [`super::hmm`] fits the timing with a two-state hidden
//! Markov model (running or suspended, never observed directly);
//! [`super::negbin`] fits the sizes with the model's `1 + NegativeBinomial`
//! law. Both report every estimate as an [`Estimate`] with a 95% interval
//! and say how it was computed, and both fail with a [`FitError`] that says
//! what the window lacks. The two types live apart from either fit because
//! everything downstream (the mapping onto a scenario, the charts, the
//! back-tests) reads them without caring which fit made them. Neither fit
//! knows about scenarios: turning estimates into scenario values is
//! [`super::mapping`]'s work.

use serde::Serialize;

/// An estimate with its uncertainty.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Estimate {
    pub estimate: f64,
    /// Standard error from the observed information; `None` where the
    /// information is not positive (an estimate on a boundary).
    pub se: Option<f64>,
    /// 95% interval (the method is stated with each fit).
    pub ci95: [f64; 2],
}

/// Why a fit could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FitError {
    #[error("the window holds {rounds} round(s); at least {needed} are needed to fit their timing")]
    TooFewRounds { rounds: usize, needed: usize },
    #[error(
        "the window holds {sizes} round(s) with a published figure; at least {needed} are needed to fit round sizes"
    )]
    TooFewSizes { sizes: usize, needed: usize },
    #[error(
        "a round with 0 people returned cannot be fitted by the model's 1 + negative binomial law"
    )]
    ZeroSize,
    #[error("every round returned exactly one person, so the spread of sizes cannot be fitted")]
    AllSizesOne,
    #[error("the likelihood could not be maximised (no finite value found)")]
    NoOptimum,
}
