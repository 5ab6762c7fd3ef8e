//! The end-to-end tests, one binary: a change relinks it once.
//!
//! Tests of different modules run in parallel here. Anything one process may hold for one
//! test at a time takes a lock:
//! - pcscd and vpcd's ports: [`tests::rig::Vpcd::lock`] (the rig's card and PSAM attached)
//!   or [`tests::rig::pcsc_exclusive`] (nothing of this process attached: a `hw-sim vpcd`
//!   child, pcscd stopped and started, a real-hardware kiosk watching the readers);
//! - the tests that kill processes or lower a file-size limit do it to their own child
//!   kiosk, by its PID, under the rig's lock (`crash_kill`, `disk_full`).
//!
//! Two binaries stay apart: `pin_zeroize` installs a `#[global_allocator]` (the whole
//! process's heap), and `selftest` closes a pseudo-terminal and checks that the port is gone
//! (the next pseudo-terminal opened anywhere in the process takes its number, and the modules
//! here open simulated ID modules on new ones all the time).

mod apdu_counts;
mod at_rest;
mod bench_smoke;
mod business_apdus;
mod business_pulls;
mod businesses;
mod card_ops;
mod card_pulled;
mod cli;
mod config_cli;
mod crash_kill;
mod disk_full;
mod face_flow;
mod fees;
mod idcard_pty;
mod layering;
mod loss_lifting;
mod masking;
mod openapi;
mod pcsc_stack;
mod pcscd_restart;
mod photo_cli;
mod photo_scenes;
mod pin_leak;
mod provision;
mod registry_cli;
mod security;
mod serial_peripherals;
mod serve;
mod serve_devices;
mod staff_pages;
mod temporarily_blocked;
mod transport_rules;
mod unseen_cards;
mod vpcd_pull;
// issue 20: devices beyond serial, the watchdog, the support bundle.
mod provision_links;
mod serve_printer_tcp;
mod support_bundle;
mod watchdog;
// issue 22: Uyghur receipts printed as raster images.
mod uyghur_receipt;
// issue 17: progress by the ID card alone; the production's own figure
mod progress_by_id;
mod recomputed_deadline;
