//! `face-bench`: the figures of BENCHMARKS.md's "Face verification" section.
//!
//!   face-bench [accuracy|cost]... [--data DIR] [--runs N]
//!
//! - accuracy: every pair of data/face/pairs.tsv judged at the default threshold, as taken
//!   and with picture a reduced to an ID card photo (102×126); a table of the distances and
//!   the true-match and false-match rates.
//! - cost: the model's load time and memory (resident set before and after loading), the
//!   time of one match (the embedding of a 1280×720 live frame, and the comparison with a
//!   reference embedding computed beforehand) and of the liveness check (one frame's
//!   observation; a whole live sequence of hw-sim's astronaut), p50 and p99 over N runs.
//!
//! DIR is scripts/lib.sh fetch_face_data's folder (default target/face). Markdown tables on
//! standard output. Run from the workspace root (scripts/bench.sh face; tests crate, bin face-bench).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use card_io::camera::{image, FrameSource, Resolution};
use face_match::dlib::DlibVerifier;
use face_match::liveness::{Challenge, LivenessCheck, LivenessSettings, Progress};
use face_match::pairs::{self, PictureDirs};
use face_match::{FaceSettings, FaceVerifier, DEFAULT_THRESHOLD};
use hw_sim::camera::live::{LiveAct, LiveCamera};

fn main() -> ExitCode {
    let mut what = Vec::new();
    let mut data = PathBuf::from("target/face");
    let mut runs = 50usize;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--data" => data = args.next().map(PathBuf::from).unwrap_or(data),
            "--runs" => runs = args.next().and_then(|n| n.parse().ok()).unwrap_or(runs),
            "accuracy" | "cost" => what.push(a),
            other => {
                eprintln!(
                    "face-bench: unknown argument {other:?} (accuracy, cost, --data DIR, --runs N)"
                );
                return ExitCode::from(2);
            }
        }
    }
    if what.is_empty() {
        what = vec!["accuracy".into(), "cost".into()];
    }
    let rss_before = rss_kib();
    let t = Instant::now();
    let settings = FaceSettings {
        model_dir: data.join("models"),
        threshold: DEFAULT_THRESHOLD,
    };
    let v = match DlibVerifier::open(&settings) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("face-bench: {e}");
            return ExitCode::FAILURE;
        }
    };
    let load = t.elapsed();
    let rss_after = rss_kib();
    let mut ok = true;
    for w in what {
        let r = if w == "accuracy" {
            accuracy(&v, &data)
        } else {
            cost(&v, load, rss_before, rss_after, runs)
        };
        if let Err(e) = r {
            eprintln!("face-bench {w}: {e}");
            ok = false;
        }
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn accuracy(v: &DlibVerifier, data: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string("data/face/pairs.tsv")
        .map_err(|e| format!("data/face/pairs.tsv: {e} (run from the workspace root)"))?;
    let pairs = pairs::parse(&text)?;
    let dirs = PictureDirs::in_checkout(Path::new("."), data);
    println!(
        "Model: {}; threshold {DEFAULT_THRESHOLD}.\n",
        v.model_version()
    );
    println!("| a | b | same person | distance | a at 102×126: distance |");
    println!("|---|---|---|---|---|");
    // (same pairs matched, same pairs, different pairs matched, different pairs) per variant.
    let mut tally = [[0usize; 4]; 2];
    let (mut same_d, mut diff_d) = (Vec::new(), Vec::new());
    for p in &pairs {
        let load = |name: &str| -> Result<image::RgbImage, String> {
            face_match::load_image(&dirs.resolve(name)?).map_err(|e| e.to_string())
        };
        let (a, b) = (load(&p.a)?, load(&p.b)?);
        let eb = v.embed(&b).map_err(|e| format!("{}: {e}", p.b))?;
        let ea = v.embed(&a).map_err(|e| format!("{}: {e}", p.a))?;
        let marks = v.observe(&a).map_err(|e| e.to_string())?.landmarks;
        let small = face_match::id_card_photo(&a, &marks);
        let es = v
            .embed(&small)
            .map_err(|e| format!("{} at 102×126: {e}", p.a))?;
        let full = v.compare(&ea, &eb);
        let id = v.compare(&es, &eb);
        for (i, m) in [full, id].iter().enumerate() {
            let t = &mut tally[i];
            if p.same {
                t[1] += 1;
                t[0] += usize::from(m.same_person);
            } else {
                t[3] += 1;
                t[2] += usize::from(m.same_person);
            }
        }
        if p.same {
            same_d.extend([full.score, id.score]);
        } else {
            diff_d.extend([full.score, id.score]);
        }
        println!(
            "| {} | {} | {} | {:.3} | {:.3} |",
            p.a,
            p.b,
            if p.same { "yes" } else { "no" },
            full.score,
            id.score
        );
    }
    println!();
    println!("| pictures | true-match rate (same-person pairs matched) | false-match rate (different-person pairs matched) |");
    println!("|---|---|---|");
    for (label, t) in [
        ("as taken", tally[0]),
        ("a as a 102×126 ID card photo", tally[1]),
    ] {
        println!(
            "| {label} | {}/{} = {:.1} % | {}/{} = {:.1} % |",
            t[0],
            t[1],
            100.0 * t[0] as f64 / t[1].max(1) as f64,
            t[2],
            t[3],
            100.0 * t[2] as f64 / t[3].max(1) as f64
        );
    }
    let range = |d: &[f32]| {
        let lo = d.iter().copied().fold(f32::INFINITY, f32::min);
        let hi = d.iter().copied().fold(0.0f32, f32::max);
        format!("{lo:.3}–{hi:.3}")
    };
    println!(
        "\nDistances: same person {}, different people {}.",
        range(&same_d),
        range(&diff_d)
    );
    Ok(())
}

fn cost(
    v: &DlibVerifier,
    load: Duration,
    rss_before: Option<u64>,
    rss_after: Option<u64>,
    runs: usize,
) -> Result<(), String> {
    let mut good =
        LiveCamera::astronaut(LiveAct::Live(vec![]), Resolution::HD).map_err(|e| e.to_string())?;
    let live = good.frame().map_err(|e| e.to_string())?;
    let reference = image::open(hw_sim::camera::photos_dir().join("astronaut.png"))
        .map_err(|e| e.to_string())?
        .to_rgb8();
    let marks = v.observe(&reference).map_err(|e| e.to_string())?.landmarks;
    let id_photo = face_match::id_card_photo(&reference, &marks);
    let reference = v.embed(&id_photo).map_err(|e| e.to_string())?;

    let mut matches = Vec::new();
    let mut observes = Vec::new();
    let mut last = None;
    // CPU time too (the process's, from /proc): on a busy machine wall time includes waiting
    // for a core.
    let cpu0 = cpu_ms();
    for _ in 0..runs {
        let t = Instant::now();
        let e = v.embed(&live).map_err(|e| e.to_string())?;
        last = Some(v.compare(&e, &reference));
        matches.push(t.elapsed());
    }
    let cpu1 = cpu_ms();
    for _ in 0..runs {
        let t = Instant::now();
        v.observe(&live).map_err(|e| e.to_string())?;
        observes.push(t.elapsed());
    }
    let cpu2 = cpu_ms();
    let per_run = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) => format!("{:.0} ms", (b - a) / runs.max(1) as f64),
        _ => "?".into(),
    };
    // Whole live sequences: every frame observed and judged (the frames composed beforehand:
    // the camera's work is not the check's).
    let challenge = Challenge::from_seed(0);
    let mut cam = LiveCamera::astronaut(LiveAct::Live(challenge.actions.clone()), Resolution::HD)
        .map_err(|e| e.to_string())?;
    let frames: Vec<_> = (0..cam.len())
        .map(|_| cam.frame())
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    let mut sequences = Vec::new();
    for _ in 0..runs.div_ceil(10).max(3) {
        let t = Instant::now();
        let mut check = LivenessCheck::new(challenge.clone(), LivenessSettings::default());
        let mut p = check.progress();
        for (i, f) in frames.iter().enumerate() {
            p = check.push(Duration::from_millis(200) * i as u32, v.observe(f));
        }
        if !matches!(p, Progress::Passed { .. }) {
            return Err(format!("the live sequence did not pass: {p:?}"));
        }
        sequences.push(t.elapsed());
    }
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let pct = |v: &mut Vec<Duration>, q: f64| {
        v.sort();
        let i = ((v.len() as f64 - 1.0) * q).round() as usize;
        ms(v[i.min(v.len() - 1)])
    };
    println!("Model: {}.\n", v.model_version());
    println!("| what | p50 | p99 | CPU time per run (mean) | runs |");
    println!("|---|---|---|---|---|");
    println!(
        "| one match: embedding of a 1280×720 live frame + comparison | {:.0} ms | {:.0} ms | {} | {} |",
        pct(&mut matches, 0.5),
        pct(&mut matches, 0.99),
        per_run(cpu0, cpu1),
        matches.len()
    );
    println!(
        "| liveness, one frame: detection + landmarks + measures (1280×720) | {:.0} ms | {:.0} ms | {} | {} |",
        pct(&mut observes, 0.5),
        pct(&mut observes, 0.99),
        per_run(cpu1, cpu2),
        observes.len()
    );
    println!(
        "| liveness, a whole live sequence ({} frames: blink, turn) | {:.0} ms | {:.0} ms | | {} |",
        frames.len(),
        pct(&mut sequences, 0.5),
        pct(&mut sequences, 0.99),
        sequences.len()
    );
    println!("| loading the models | {:.0} ms | | | 1 |", ms(load));
    if let (Some(b), Some(a)) = (rss_before, rss_after) {
        println!(
            "\nMemory of the loaded models: resident set {:.1} MiB before loading, {:.1} MiB after (+{:.1} MiB).",
            b as f64 / 1024.0,
            a as f64 / 1024.0,
            a.saturating_sub(b) as f64 / 1024.0
        );
    }
    if let Some(m) = last {
        println!(
            "\n(The live astronaut against her own picture as a 102×126 ID card photo: distance {:.3}, same person: {}.)",
            m.score, m.same_person
        );
    }
    Ok(())
}

/// The process's user + system CPU time so far, ms (Linux /proc, 100 ticks a second).
fn cpu_ms() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = s.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks * 10.0)
}

/// The process's resident set, KiB (Linux /proc).
fn rss_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    s.lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}
