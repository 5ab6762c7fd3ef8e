//! `kiosk serve [--config FILE] [--sim]`: the kiosk service. Exit codes: 0 stopped by Ctrl-C,
//! 2 a bad configuration or address (or `--sim` on a kiosk built without the simulator), 3 a device, file or port that could not be used.

use std::path::PathBuf;

use kiosk_service::{ServeError, ServeOptions};

use super::common::fail;

#[derive(clap::Args)]
pub(crate) struct ServeArgs {
    /// The kiosk configuration (default /etc/kiosk/kiosk.toml; with --sim, the defaults).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Run on in-process simulated hardware with the demo registry.
    #[arg(long)]
    sim: bool,
    /// Listen here instead of `[ui] listen` (default 127.0.0.1:8080).
    #[arg(long)]
    listen: Option<String>,
    /// The database (with --sim: default a fresh temporary one).
    #[arg(long)]
    db: Option<PathBuf>,
    /// The source tree with hw-sim/ and data/ (for --sim).
    #[arg(long, default_value = ".")]
    root: PathBuf,
}

pub(crate) fn run(args: ServeArgs) -> i32 {
    let opts = ServeOptions {
        config: args.config,
        sim: args.sim,
        listen: args.listen,
        db: args.db,
        root: args.root,
        timing: Default::default(),
    };
    match kiosk_service::serve(opts) {
        Ok(()) => 0,
        Err(e) => {
            let code = match e {
                ServeError::Config(_) | ServeError::NoSimulator => 2,
                _ => 3,
            };
            fail(code, e)
        }
    }
}
