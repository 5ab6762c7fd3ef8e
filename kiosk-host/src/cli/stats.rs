//! placeholder until written
#[derive(clap::Args)]
pub struct StatsArgs {}

pub fn run(_args: StatsArgs) -> i32 {
    2
}
