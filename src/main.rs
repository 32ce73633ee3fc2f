//! The `nianbao` command: parses the command line, starts logging, runs, maps the outcome to an
//! exit code.

fn main() {}
