//! `kiosk demo seed`: fills a database with the demo registry that matches hw-sim's cards
//! and people, so every business can be walked through on simulated hardware.

use std::path::PathBuf;

use super::common::{fail, StoreArgs};

#[derive(clap::Subcommand)]
pub(crate) enum DemoCmd {
    /// Seed an empty database with the demo registry.
    Seed {
        #[command(flatten)]
        store: StoreArgs,
        /// The source tree holding data/demo and hw-sim (default: the current directory).
        #[arg(long, default_value = ".")]
        root: PathBuf,
    },
}

/// Without the simulator built in there are no demo cards to match: say how to get them.
#[cfg(not(feature = "sim"))]
pub(crate) fn run(_cmd: DemoCmd) -> i32 {
    fail(
        2,
        "this kiosk was built without the simulated hardware (cargo feature `sim`) whose cards \
         the demo registry matches; run `cargo run -p kiosk-host -- demo seed` from the source tree",
    )
}

#[cfg(feature = "sim")]
pub(crate) fn run(cmd: DemoCmd) -> i32 {
    use chrono::Utc;
    use kiosk_service::demo::{self, DemoPaths};

    let DemoCmd::Seed { store, root } = cmd;
    let (_, store) = match store.open() {
        Ok(x) => x,
        Err(e) => {
            return fail(3, e);
        }
    };
    match demo::seed(&store, &DemoPaths::in_workspace(&root), Utc::now()) {
        Ok(n) => {
            println!("demo registry seeded: {n} records");
            0
        }
        Err(e) => fail(1, format!("cannot seed the demo registry: {e}")),
    }
}
