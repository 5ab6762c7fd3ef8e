//! `agency`: the agency server and its administration commands (see `agency --help`).

fn main() -> std::process::ExitCode {
    agency_host::cli::main()
}
