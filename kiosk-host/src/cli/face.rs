//! `kiosk face …`: face verification (人证核验) for technicians and audits.
//!
//! `kiosk face compare A B [--json]`: two JPEG or PNG files, one face each; prints the
//! distance between the faces (`score`, lower is more alike), the threshold and the decision.
//! Exit codes: 0 decided (same person or not); 2 bad input (a file unreadable, no face or
//! several faces in it), with a one-line reason; 1 this kiosk cannot verify faces (built
//! without the `face` feature, or the models missing).

use std::path::{Path, PathBuf};

use clap::Subcommand;
use face_match::{FaceError, FaceSettings, FaceVerifier};
use firmware_config::{Config, DEFAULT_PATH};

use super::common::fail;

#[derive(Subcommand)]
pub(crate) enum FaceCmd {
    /// Compare the faces of two pictures: the same person or not.
    Compare {
        /// JPEG or PNG file with one face.
        a: PathBuf,
        /// JPEG or PNG file with one face.
        b: PathBuf,
        /// Print the result as JSON on standard output.
        #[arg(long)]
        json: bool,
        /// The kiosk configuration whose `[face]` settings apply (default
        /// /etc/kiosk/kiosk.toml when it exists, else the defaults).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// The folder of the model files (default: `[face] model_dir`).
        #[arg(long, value_name = "DIR")]
        model_dir: Option<PathBuf>,
        /// The largest distance judged the same person (default: `[face] threshold`).
        #[arg(long)]
        threshold: Option<f32>,
    },
}

pub(crate) fn run(cmd: FaceCmd) -> i32 {
    match cmd {
        FaceCmd::Compare {
            a,
            b,
            json,
            config,
            model_dir,
            threshold,
        } => {
            let settings = match settings(config.as_deref(), model_dir, threshold) {
                Ok(s) => s,
                Err(reason) => return fail(1, reason),
            };
            let verifier = face_match::open_verifier(&settings);
            compare(verifier.as_ref(), &a, &b, json)
        }
    }
}

fn settings(
    config: Option<&Path>,
    model_dir: Option<PathBuf>,
    threshold: Option<f32>,
) -> Result<FaceSettings, String> {
    let face = match config {
        Some(path) => Config::load(path).map_err(|e| e.to_string())?.face,
        None if Path::new(DEFAULT_PATH).is_file() => {
            Config::load(DEFAULT_PATH).map_err(|e| e.to_string())?.face
        }
        None => firmware_config::Face::default(),
    };
    let threshold = threshold.unwrap_or(face.threshold as f32);
    if !(0.0..=2.0).contains(&threshold) {
        return Err(format!("--threshold {threshold} is outside 0–2"));
    }
    Ok(FaceSettings {
        model_dir: model_dir.unwrap_or_else(|| PathBuf::from(face.model_dir)),
        threshold,
    })
}

/// The picture's one face counted, or why it cannot be used.
fn one_face(v: &dyn FaceVerifier, path: &Path) -> (Option<usize>, Result<(), FaceError>) {
    let img = match face_match::load_image(path) {
        Ok(i) => i,
        Err(e) => return (None, Err(e)),
    };
    match v.count_faces(&img) {
        Ok(1) => (Some(1), Ok(())),
        Ok(0) => (Some(0), Err(FaceError::NoFace)),
        Ok(count) => (Some(count), Err(FaceError::SeveralFaces { count })),
        Err(e) => (None, Err(e)),
    }
}

fn compare(v: &dyn FaceVerifier, a: &Path, b: &Path, json: bool) -> i32 {
    let (faces_a, ok_a) = one_face(v, a);
    let (faces_b, ok_b) = one_face(v, b);
    let problem = match (ok_a, ok_b) {
        (Err(e), _) => Some((a, e)),
        (_, Err(e)) => Some((b, e)),
        _ => None,
    };
    let embeddings = match problem {
        Some(p) => Err(p),
        None => load_and_embed(v, a).and_then(|ea| load_and_embed(v, b).map(|eb| (ea, eb))),
    };
    let (ea, eb) = match embeddings {
        Ok(e) => e,
        Err((path, e)) => {
            let code = if e.is_bad_input() { 2 } else { 1 };
            let reason = match &e {
                FaceError::Unreadable { reason } => format!("cannot read {reason}"),
                FaceError::Unavailable { .. }
                | FaceError::ModelMissing { .. }
                | FaceError::ModelLoad { .. } => e.to_string(),
                _ => format!("{}: {e}", path.display()),
            };
            if json {
                println!(
                    "{}",
                    serde_json::json!({ "error": reason, "faces": [faces_a, faces_b] })
                );
            }
            return fail(code, reason);
        }
    };
    let m = v.compare(&ea, &eb);
    if json {
        println!(
            "{}",
            serde_json::json!({
                "score": round4(m.score),
                "threshold": round4(m.threshold),
                "same_person": m.same_person,
                "faces": [faces_a, faces_b],
                "model_version": v.model_version(),
            })
        );
    } else {
        println!(
            "score:     {:.3} (distance between the faces; lower is more alike)",
            m.score
        );
        println!("threshold: {:.3}", m.threshold);
        println!(
            "decision:  {}",
            if m.same_person {
                "the same person"
            } else {
                "not the same person"
            }
        );
        println!("model:     {}", v.model_version());
    }
    0
}

/// An `f32` as the nearest `f64` with 4 decimals (0.6, not 0.6000000238418579).
fn round4(v: f32) -> f64 {
    (f64::from(v) * 1e4).round() / 1e4
}

fn load_and_embed<'a>(
    v: &dyn FaceVerifier,
    path: &'a Path,
) -> Result<face_match::Embedding, (&'a Path, FaceError)> {
    face_match::load_image(path)
        .and_then(|img| v.embed(&img))
        .map_err(|e| (path, e))
}
