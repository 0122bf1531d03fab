//! The records the comparison tools write and read back: compare's runs
//! ([`record`]), compare serve's measurements ([`serve_record`]), and the load
//! generator's report and options ([`load`]).
#![warn(missing_docs)]

pub mod load;
pub mod record;
pub mod serve_record;
