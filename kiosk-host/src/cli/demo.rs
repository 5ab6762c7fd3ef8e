//! `kiosk demo seed`: fills a database with the demo registry that matches hw-sim's cards
//! and people, so every business can be walked through on simulated hardware.

use std::path::PathBuf;

use chrono::Utc;
use kiosk_host::demo::{self, DemoPaths};

use super::common::StoreArgs;

#[derive(clap::Subcommand)]
pub enum DemoCmd {
    /// Seed an empty database with the demo registry.
    Seed {
        #[command(flatten)]
        store: StoreArgs,
        /// The source tree holding data/demo and hw-sim (default: the current directory).
        #[arg(long, default_value = ".")]
        root: PathBuf,
    },
}

pub fn run(cmd: DemoCmd) -> i32 {
    let DemoCmd::Seed { store, root } = cmd;
    let (_, store) = match store.open() {
        Ok(x) => x,
        Err(e) => {
            eprintln!("{e}");
            return 3;
        }
    };
    match demo::seed(&store, &DemoPaths::in_workspace(&root), Utc::now()) {
        Ok(n) => {
            println!("demo registry seeded: {n} records");
            0
        }
        Err(e) => {
            eprintln!("cannot seed the demo registry: {e}");
            1
        }
    }
}
