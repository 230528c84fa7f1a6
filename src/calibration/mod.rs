//! Calibration: from the record of exchanges to the values of a scenario.
//!
//! A scenario's exchange process is only as good as its numbers, and the
//! record of past exchanges is the one piece of evidence about them. This
//! module owns every step between the two, so that `swapsim calibrate`,
//! the back-tests and the charts fit and map in exactly the same way: the
//! likelihood fits of the timing and sizes of rounds ([`fit`], [`hmm`],
//! [`negbin`], [`optimize`]). Neither the record's parsing
//! ([`crate::history`]) nor the printing of results ([`crate::cli`]) is
//! part of it.

pub mod fit;
pub mod hmm;
pub mod negbin;
pub mod optimize;
