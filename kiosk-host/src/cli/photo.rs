//! `kiosk photo …`: the card-making photo pipeline for technicians.
//!
//! Exit codes: 0 the picture makes a compliant photo; 1 it is refused (every broken rule is
//! printed with the citizen's advice); 3 the file cannot be read or written, or the pipeline
//! itself failed.

use std::path::{Path, PathBuf};

use card_io::camera::{FrameSource, StillSource};
use card_io::photo::{PhotoError, PhotoSettings, Pipeline, Report, Status, KB};
use clap::Subcommand;

use super::common::fail;

#[derive(Subcommand)]
pub(crate) enum PhotoCmd {
    /// Check a picture (a camera frame or a finished photo) against every rule.
    Check {
        /// PNG or JPEG file.
        file: PathBuf,
        /// Print the report as JSON on standard output.
        #[arg(long)]
        json: bool,
        /// Smallest photo file, in KB (1024 bytes).
        #[arg(long, default_value_t = 14)]
        min_kb: usize,
        /// Largest photo file, in KB (1024 bytes).
        #[arg(long, default_value_t = 40)]
        max_kb: usize,
    },
    /// Make the card photo (358×441 JPEG, 350 dpi) from a picture.
    Make {
        /// PNG or JPEG file.
        file: PathBuf,
        /// Where to write the JPEG.
        #[arg(short, long, value_name = "OUT")]
        output: PathBuf,
        /// Smallest photo file, in KB (1024 bytes).
        #[arg(long, default_value_t = 14)]
        min_kb: usize,
        /// Largest photo file, in KB (1024 bytes).
        #[arg(long, default_value_t = 40)]
        max_kb: usize,
    },
}

pub(crate) fn run(cmd: PhotoCmd) -> i32 {
    match cmd {
        PhotoCmd::Check {
            file,
            json,
            min_kb,
            max_kb,
        } => check(&file, json, settings(min_kb, max_kb)),
        PhotoCmd::Make {
            file,
            output,
            min_kb,
            max_kb,
        } => make(&file, &output, settings(min_kb, max_kb)),
    }
}

fn settings(min_kb: usize, max_kb: usize) -> PhotoSettings {
    PhotoSettings {
        min_bytes: min_kb.saturating_mul(KB),
        max_bytes: max_kb.saturating_mul(KB),
        ..PhotoSettings::default()
    }
}

/// The file's picture and a pipeline, or the exit code after saying why not.
fn prepare(file: &Path, settings: PhotoSettings) -> Result<(Pipeline, StillSource), i32> {
    let source = StillSource::open(file).map_err(|e| fail(3, e))?;
    let pipeline = Pipeline::new(settings).map_err(|e| fail(3, e))?;
    Ok((pipeline, source))
}

fn check(file: &Path, json: bool, settings: PhotoSettings) -> i32 {
    let (mut pipeline, mut source) = match prepare(file, settings) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let report = match source
        .frame()
        .map_err(|e| e.to_string())
        .and_then(|f| pipeline.check(&f).map_err(|e| e.to_string()))
    {
        Ok(r) => r,
        Err(e) => {
            return fail(3, e);
        }
    };
    if json {
        match serde_json::to_string_pretty(&report) {
            Ok(s) => println!("{s}"),
            Err(e) => {
                return fail(3, e);
            }
        }
    } else {
        print_report(&report);
    }
    if report.compliant {
        0
    } else {
        1
    }
}

fn print_report(report: &Report) {
    println!(
        "{}×{}: {}",
        report.frame_width,
        report.frame_height,
        if report.compliant {
            "compliant"
        } else {
            "NOT compliant"
        }
    );
    for c in &report.rules {
        let mark = match c.status {
            Status::Pass => "pass",
            Status::Fail => "FAIL",
            Status::NotEvaluated => "  - ",
        };
        if c.status == Status::NotEvaluated {
            println!("  {mark} {:<17} not evaluated", c.rule.name());
        } else {
            println!(
                "  {mark} {:<17} {} (limit: {})",
                c.rule.name(),
                c.measured,
                c.limit
            );
        }
        if let (Some(r), Some(a)) = (&c.refusal, &c.advice) {
            println!("       {r}");
            println!("       advice: {} / {}", a.zh_cn, a.en);
        }
    }
}

fn make(file: &Path, output: &Path, settings: PhotoSettings) -> i32 {
    let (mut pipeline, mut source) = match prepare(file, settings) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let frame = match source.frame() {
        Ok(f) => f,
        Err(e) => {
            return fail(3, e);
        }
    };
    match pipeline.make(&frame) {
        Ok(photo) => {
            if let Err(e) = std::fs::write(output, &photo.jpeg) {
                return fail(3, format!("cannot write {}: {e}", output.display()));
            }
            println!(
                "{}: 358×441 JPEG, 350 dpi, {} bytes at quality {}",
                output.display(),
                photo.jpeg.len(),
                photo.quality
            );
            0
        }
        Err(PhotoError::Refused(refusal)) => {
            let a = refusal.advice();
            eprintln!("refused ({}): {refusal}", refusal.rule());
            eprintln!("advice: {} / {}", a.zh_cn, a.en);
            1
        }
        Err(e) => fail(3, e),
    }
}
