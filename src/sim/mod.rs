//! Simulator: realistic government portals served on loopback addresses, each knowing its own
//! ground truth and recording every request it receives. Used by the tests, the benchmarks and
//! `nianbao demo`; never part of a real crawl.
