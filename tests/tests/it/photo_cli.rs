//! `kiosk photo check` and `kiosk photo make` as a technician runs them, on frames of the
//! simulated camera written to files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use card_io::camera::{FrameSource, Resolution};
use card_io::photo::inspect;
use hw_sim::camera::{Scene, SimCamera};
use serde_json::Value;

fn kiosk() -> PathBuf {
    tests::workspace_bin("kiosk")
}

/// A scratch folder for this test, emptied first.
fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("photo-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn scene_file(dir: &Path, scene: Scene) -> PathBuf {
    let path = dir.join(format!("{}.png", scene.name()));
    let frame = SimCamera::new(scene, Resolution::HD)
        .unwrap()
        .frame()
        .unwrap();
    frame.save(&path).unwrap();
    path
}

fn run(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(kiosk()).args(args).output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn check_a_good_frame_and_make_its_photo() {
    let dir = scratch("good");
    let good = scene_file(&dir, Scene::Good);
    let out = run(&["photo".as_ref(), "check".as_ref(), good.as_os_str()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("compliant"), "{stdout}");
    assert!(stdout.contains("pass head_box"), "{stdout}");

    let out = run(&[
        "photo".as_ref(),
        "check".as_ref(),
        good.as_os_str(),
        "--json".as_ref(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["compliant"], true);
    assert_eq!(v["rules"].as_array().unwrap().len(), 9);

    let jpg = dir.join("photo.jpg");
    let out = run(&[
        "photo".as_ref(),
        "make".as_ref(),
        good.as_os_str(),
        "-o".as_ref(),
        jpg.as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let bytes = std::fs::read(&jpg).unwrap();
    let info = inspect(&bytes).unwrap();
    assert_eq!((info.width, info.height), (358, 441));
    let jfif = info.jfif.unwrap();
    assert_eq!((jfif.units, jfif.x_density, jfif.y_density), (1, 350, 350));
    assert!((14 * 1024..=40 * 1024).contains(&bytes.len()));

    // The photo it made checks compliant as it is.
    let out = run(&["photo".as_ref(), "check".as_ref(), jpg.as_os_str()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_frames_exit_1_with_the_reason_and_advice() {
    let dir = scratch("bad");
    for (scene, rule, advice) in [
        (Scene::NoFace, "one_face", "no face found: face the camera"),
        (Scene::TooFar, "face_size", "move closer"),
        (Scene::Cluttered, "background_plain", "background not plain"),
    ] {
        let file = scene_file(&dir, scene);
        let out_jpg = dir.join("out.jpg");
        let out = run(&[
            "photo".as_ref(),
            "make".as_ref(),
            file.as_os_str(),
            "-o".as_ref(),
            out_jpg.as_os_str(),
        ]);
        assert_eq!(out.status.code(), Some(1), "{}", scene.name());
        let stderr = text(&out.stderr);
        assert!(stderr.contains(rule), "{stderr}");
        assert!(stderr.contains(advice), "{stderr}");
        assert!(!out_jpg.exists(), "nothing is written for a refused frame");

        let out = run(&[
            "photo".as_ref(),
            "check".as_ref(),
            file.as_os_str(),
            "--json".as_ref(),
        ]);
        assert_eq!(out.status.code(), Some(1));
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["compliant"], false);
        let failed: Vec<&str> = v["rules"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["status"] == "fail")
            .filter_map(|r| r["rule"].as_str())
            .collect();
        assert_eq!(failed.first(), Some(&rule), "{}: {v}", scene.name());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_unreadable_file_exits_3() {
    let out = run(&[
        "photo".as_ref(),
        "check".as_ref(),
        "/nonexistent/frame.png".as_ref(),
    ]);
    assert_eq!(out.status.code(), Some(3));
    assert!(text(&out.stderr).contains("cannot read the picture"));
}
