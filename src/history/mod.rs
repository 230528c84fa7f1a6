//! The historical record of exchanges: the data swapsim is checked against.
//!
//! A simulator whose rates are guesses convinces nobody, so swapsim ships a
//! sourced record of the Ukraine–Russia exchanges since 2022 and fits its
//! exchange process to it. This module owns the record: reading and
//! checking the file ([`record`]), turning exchange days into the model's
//! rounds and a daily series ([`rounds`]), and the plain counts that
//! `swapsim history` reports ([`summary`]). Fitting lives in
//! [`crate::calibration`].

pub mod intensity;
pub mod losses;
pub mod record;
pub mod rounds;
pub mod summary;

pub use record::{Exchange, Record, RecordError};
pub use rounds::{Round, Window};
