//! placeholder until written
#[derive(clap::Subcommand)]
pub enum AuditCmd {
    /// Not written yet.
    Todo,
}

pub fn run(_cmd: AuditCmd) -> i32 {
    2
}
