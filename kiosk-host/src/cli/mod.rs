//! Command-line parsing and dispatch. Failures print one plain line on standard error and
//! exit non-zero.

mod application;
mod archive;
mod audit;
mod card;
mod common;
mod config;
mod demo;
mod face;
mod guide;
mod idcard;
mod photo;
mod provision;
mod readers;
mod secret;
mod selftest;
mod serve;
mod stats;
mod storage;
// issue 20: the support bundle.
mod support;
// issue 17: the calendar and the deadlines counted with it.
mod calendar;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "kiosk",
    version,
    about = "Social security card kiosk (DB 6523/T 372-2023)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List card readers and what is in them.
    Readers {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Technician operations on the social security card.
    Card(card::CardArgs),
    /// The kiosk's configuration (kiosk.toml) and signed configuration bundles.
    #[command(subcommand)]
    Config(config::ConfigCmd),
    /// The resident ID card module.
    #[command(subcommand)]
    Idcard(idcard::IdcardCmd),
    /// The card-making photo pipeline.
    #[command(subcommand)]
    Photo(photo::PhotoCmd),
    /// Face verification (人证核验): compare the faces of two pictures.
    #[command(subcommand)]
    Face(face::FaceCmd),
    /// The audit log: verify its hash chain, show entries.
    #[command(subcommand)]
    Audit(audit::AuditCmd),
    /// Archives: seal a month, query records, verify a sealed batch.
    #[command(subcommand)]
    Archive(archive::ArchiveCmd),
    /// Applications for new cards: list them, move them along their progress states.
    #[command(subcommand)]
    Application(application::ApplicationCmd),
    /// The working-day calendar: which years are final, provisional or missing; install a
    /// year's file and recompute the deadlines it makes final (issue 17).
    #[command(subcommand)]
    Calendar(calendar::CalendarCmd),
    /// The kiosk's database file: encrypt a plaintext one in place.
    #[command(subcommand)]
    Storage(storage::StorageCmd),
    /// The demo registry for simulated hardware.
    #[command(subcommand)]
    Demo(demo::DemoCmd),
    /// Run the kiosk service (screens, API, device events).
    Serve(serve::ServeArgs),
    /// The public service guide (8.1.2), generated from the rule table.
    Guide(guide::GuideArgs),
    /// Statistics per business and period: cases, on-time rate, handling time, satisfaction.
    Stats(stats::StatsArgs),
    /// Find the kiosk's devices and write them into kiosk.toml (after confirmation).
    Provision(provision::ProvisionArgs),
    /// Check every device and resource of the kiosk; exit 1 when any check fails.
    Selftest(selftest::SelftestArgs),
    /// Write what the office needs to diagnose this kiosk (no secrets, nothing personal)
    /// into one .tar.gz file.
    SupportBundle(support::SupportArgs),
}

pub(crate) fn run() -> i32 {
    let cli = Cli::parse();
    let provider = card_io::pcsc_backend::PcscProvider::new();
    match cli.command {
        Command::Readers { json } => readers::run(&provider, json),
        Command::Card(args) => card::run(&provider, args),
        Command::Config(cmd) => config::run(cmd),
        Command::Idcard(cmd) => idcard::run(cmd),
        Command::Photo(cmd) => photo::run(cmd),
        Command::Face(cmd) => face::run(cmd),
        Command::Audit(cmd) => audit::run(cmd),
        Command::Archive(cmd) => archive::run(cmd),
        Command::Guide(args) => guide::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Application(cmd) => application::run(cmd),
        Command::Calendar(cmd) => calendar::run(cmd),
        Command::Demo(cmd) => demo::run(cmd),
        Command::Storage(cmd) => storage::run(cmd),
        Command::Stats(args) => stats::run(args),
        Command::Provision(args) => provision::run(&provider, args),
        Command::Selftest(args) => selftest::run(&provider, args),
        Command::SupportBundle(args) => support::run(&provider, args),
    }
}
