//! The `stretch` binary: everything happens in the library.

use std::process::ExitCode;

fn main() -> ExitCode {
    let env = stretch::Env::from_process();
    ExitCode::from(stretch::run(std::env::args_os(), &env))
}
