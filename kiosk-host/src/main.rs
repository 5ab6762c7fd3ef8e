//! `kiosk`: the kiosk's command line. See `kiosk --help`.

mod cli;

fn main() {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn"))
        .format_timestamp_millis()
        .init();
    std::process::exit(cli::run());
}
