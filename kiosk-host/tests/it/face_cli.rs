//! `kiosk face compare` end to end: the built binary on real photographs (the fetched ones of
//! scripts/lib.sh fetch_face_data and hw-sim's), its JSON, its exit codes and one-line
//! reasons. Needs the `face` feature (default) and the fetched models and photographs.
#![cfg(feature = "face")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn face_data() -> PathBuf {
    std::env::var_os("KIOSK_FACE_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target/face"))
}

fn compare(a: &Path, b: &Path, extra: &[&str]) -> Output {
    let models = face_data().join("models");
    assert!(
        models.join(face_match::RECOGNITION_MODEL).is_file(),
        "no models in {}: bash -c '. scripts/lib.sh && fetch_face_data'",
        models.display()
    );
    Command::new(env!("CARGO_BIN_EXE_kiosk"))
        .args(["face", "compare"])
        .arg(a)
        .arg(b)
        .arg("--model-dir")
        .arg(&models)
        .args(["--config", "/dev/null"])
        .args(extra)
        .output()
        .expect("run kiosk")
}

fn photo(name: &str) -> PathBuf {
    face_data().join("photos").join(name)
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).expect("JSON on standard output")
}

#[test]
fn same_and_different_people_are_decided() {
    let out = compare(&photo("obama.jpg"), &photo("obama3.jpg"), &["--json"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let j = json(&out);
    assert_eq!(j["same_person"], true);
    assert_eq!(j["faces"], serde_json::json!([1, 1]));
    assert_eq!(j["threshold"], 0.6);
    let score = j["score"].as_f64().unwrap();
    assert!((0.0..0.6).contains(&score), "{score}");
    assert!(j["model_version"].as_str().unwrap().contains("sha256:"));

    let out = compare(&photo("obama2.jpg"), &photo("biden.jpg"), &["--json"]);
    assert_eq!(out.status.code(), Some(0));
    let j = json(&out);
    assert_eq!(j["same_person"], false);
    assert!(j["score"].as_f64().unwrap() > 0.6);

    // The threshold is a setting: at 0.2 the same person is no longer matched.
    let out = compare(
        &photo("obama.jpg"),
        &photo("obama3.jpg"),
        &["--threshold", "0.2"],
    );
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("threshold: 0.200"), "{text}");
    assert!(text.contains("decision:  not the same person"), "{text}");
}

#[test]
fn bad_input_exits_2_with_one_line() {
    let hw = root().join("hw-sim/photos");
    for (a, b, reason, faces) in [
        (
            photo("obama.jpg"),
            hw.join("coffee.png"),
            "no face found",
            serde_json::json!([1, 0]),
        ),
        (
            hw.join("group-pair.png"),
            photo("biden.jpg"),
            "faces in the picture, expected one",
            serde_json::json!([3, 1]),
        ),
        (
            PathBuf::from("/nonexistent/a.jpg"),
            photo("biden.jpg"),
            "cannot read /nonexistent/a.jpg",
            serde_json::json!([null, 1]),
        ),
    ] {
        let out = compare(&a, &b, &["--json"]);
        assert_eq!(out.status.code(), Some(2), "{out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(reason), "{err}");
        let j = json(&out);
        assert!(j["error"].as_str().unwrap().contains(reason));
        assert_eq!(j["faces"], faces);
    }
    // Not a picture at all.
    let out = compare(&root().join("Cargo.toml"), &photo("biden.jpg"), &[]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn no_models_exits_1() {
    let out = Command::new(env!("CARGO_BIN_EXE_kiosk"))
        .args(["face", "compare"])
        .arg(photo("obama.jpg"))
        .arg(photo("biden.jpg"))
        .args(["--model-dir", "/nonexistent", "--config", "/dev/null"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is missing"), "{err}");
}
