//! placeholder until written
#[derive(clap::Args)]
pub struct GuideArgs {}

pub fn run(_args: GuideArgs) -> i32 {
    2
}
