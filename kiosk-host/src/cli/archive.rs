//! placeholder until written
#[derive(clap::Subcommand)]
pub enum ArchiveCmd {
    /// Not written yet.
    Todo,
}

pub fn run(_cmd: ArchiveCmd) -> i32 {
    2
}
