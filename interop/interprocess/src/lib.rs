//! Nothing but tests: localipc clients against servers made by the
//! `interprocess` crate. See `tests/` and the README.
