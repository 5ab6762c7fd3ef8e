//! The identity step (人证核验, issue 19) end to end: `kiosk serve --sim` driven over its JSON
//! API, one outcome per test, each on its own kiosk: a live match passes, a held-up photo
//! fails liveness and goes to the staff path (a front-desk account approves it on the staff
//! page), another person fails the match and the case ends before anything changes, and a
//! kiosk whose camera is unplugged takes the "not possible" path. Needs the face models of
//! scripts/lib.sh fetch_face_data (target/face).

use serde_json::{json, Value};

use tests::served::{kind, Served as Kiosk};

/// A kiosk with a front-desk account, a 5 s liveness limit and one retry.
fn kiosk() -> (Kiosk, tempfile::TempDir) {
    kiosk_with("")
}

/// [`kiosk`] with `devices` as its `[devices]` section's settings.
fn kiosk_with(devices: &str) -> (Kiosk, tempfile::TempDir) {
    let hash = tests::staff::phc("desk pass");
    let text = format!(
        "[[staff]]\nuser = \"desk\"\npassword_hash = \"{hash}\"\nroles = [\"front_desk\"]\n\n[face]\nliveness_seconds = 5\nretries = 1\n\n[devices]\n{devices}"
    );
    let (dir, path) = tests::served::temp_file("kiosk.toml", &text);
    let k = Kiosk::start_workspace(&["--config", path.to_str().expect("a UTF-8 path")]);
    (k, dir)
}

fn event(k: &Kiosk, action: &str) -> Value {
    k.api("POST", "/api/session/event", json!({ "action": action }))
}

fn face_step(page: &Value) -> &str {
    page["screen"]["face"]["face"].as_str().unwrap_or("")
}

/// A replacement for 古丽娜尔 (card reported lost) up to the identity step's consent.
fn replace_to_consent(k: &Kiosk) -> Value {
    let page = k.api(
        "POST",
        "/api/session/start",
        json!({ "business": "replace" }),
    );
    assert_eq!(kind(&page), "ask", "{page}");
    k.api(
        "POST",
        "/api/sim/idcard",
        json!({ "person": "t0-blocked-6a81.toml" }),
    );
    let mut page = k.wait_screen("the ID card read", |p| {
        !(kind(p) == "ask" && p["screen"]["ask"]["kind"] == "id_card")
    });
    for _ in 0..6 {
        if kind(&page) != "ask" {
            break;
        }
        page = match page["screen"]["ask"]["kind"].as_str() {
            Some("photo") => k.take_photo(),
            Some("reason") => k.api(
                "POST",
                "/api/session/event",
                json!({ "action": "reason", "reason": "damaged" }),
            ),
            other => panic!("unexpected ask {other:?}: {page}"),
        };
    }
    assert_eq!(kind(&page), "face", "{page}");
    page
}

/// Waits for the match's result (a debug build on a loaded machine: up to a few minutes).
fn match_result(k: &Kiosk) -> Value {
    tests::served::eventually("the face match's result", || {
        let p = k.screen();
        if kind(&p) == "face" && face_step(&p) == "matching" {
            Err(p.to_string())
        } else {
            Ok(p)
        }
    })
}

fn scene(k: &Kiosk, scene: &str) {
    k.api("POST", "/api/sim/face", json!({ "scene": scene }));
}

#[test]
fn a_live_person_passes_and_the_business_goes_on() {
    let (k, _dir) = kiosk();
    scene(&k, "live");
    let page = replace_to_consent(&k);
    assert_eq!(face_step(&page), "consent", "{page}");
    assert!(
        page["idle_timeout_s"].is_u64(),
        "a countdown on consent: {page}"
    );
    let page = event(&k, "face_accept");
    assert_eq!(face_step(&page), "matching", "{page}");
    // The kiosk is at work: no countdown for the page to run out (a slow match on a loaded
    // machine had the page post `timeout` while the host still matched).
    assert!(
        page["idle_timeout_s"].is_null(),
        "no countdown while matching: {page}"
    );
    let page = match_result(&k);
    assert_eq!(kind(&page), "confirm", "{page}");
    assert!(
        page["idle_timeout_s"].is_u64(),
        "the countdown again: {page}"
    );
    // 补领 cancels the old card: its consequences are acknowledged before the confirmation.
    assert_eq!(page["screen"]["irreversible"], true, "{page}");
    event(&k, "acknowledge");
    let page = event(&k, "confirm");
    assert_eq!(kind(&page), "done", "{page}");
}

#[test]
fn a_held_up_photo_fails_and_staff_approve_at_the_staff_page() {
    let (k, _dir) = kiosk();
    scene(&k, "held_up");
    replace_to_consent(&k);
    event(&k, "face_accept");
    let page = match_result(&k);
    assert_eq!(face_step(&page), "failed", "{page}");
    assert_eq!(page["screen"]["face"]["why"], "not_live", "{page}");
    assert_eq!(page["screen"]["face"]["may_retry"], true, "{page}");
    let page = event(&k, "face_staff");
    assert_eq!(face_step(&page), "awaiting_staff", "{page}");
    let case = page["screen"]["face"]["case_id"]
        .as_str()
        .expect("the case number")
        .to_string();
    // Not logged in: no decision.
    let r = k.post_form(
        "/staff/identity",
        &format!("case={case}&decision=approve"),
        None,
    );
    assert_ne!(r.status, 200);
    let desk = tests::staff::login(&k, "desk", "desk pass");
    let shown = k.get("/staff/identity", Some(&desk));
    assert_eq!(shown.status, 200);
    assert!(shown.body.contains(&case), "{}", shown.body);
    let token = tests::staff::csrf(&shown.body);
    let r = k.post_form(
        "/staff/identity",
        &format!("csrf={token}&case={case}&decision=approve"),
        Some(&desk),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let page = k.wait_screen("the confirmation", |p| kind(p) == "confirm");
    assert_eq!(kind(&page), "confirm");
    // The same decision again: nothing waits any more.
    let r = k.post_form(
        "/staff/identity",
        &format!("csrf={token}&case={case}&decision=approve"),
        Some(&desk),
    );
    assert_eq!(r.status, 409, "{}", r.body);
}

#[test]
fn another_person_fails_and_ending_changes_nothing() {
    let (k, _dir) = kiosk();
    scene(&k, "other_person");
    replace_to_consent(&k);
    event(&k, "face_accept");
    let page = match_result(&k);
    assert_eq!(face_step(&page), "failed", "{page}");
    assert_eq!(page["screen"]["face"]["why"], "not_same_person", "{page}");
    let page = event(&k, "face_end");
    assert_eq!(kind(&page), "refused", "{page}");
    assert!(
        page["screen"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("服务窗口"),
        "{page}"
    );
    event(&k, "finish");
    // The card is as it was: a status query reads it lost (临时挂失), not cancelled.
    k.home_after(k.screen());
    k.api(
        "POST",
        "/api/session/start",
        json!({ "business": "status" }),
    );
    // 状态查询 reads the ID card first (6.1.3.2 a)), then the card.
    k.api(
        "POST",
        "/api/sim/idcard",
        json!({ "person": "t0-blocked-6a81.toml" }),
    );
    k.wait_screen("the card asked", |p| p["screen"]["ask"]["kind"] == "card");
    k.api(
        "POST",
        "/api/sim/card",
        json!({ "card": "t0-blocked-6a81.toml" }),
    );
    k.wait_screen("the status confirmation", |p| kind(p) == "confirm");
    let page = event(&k, "confirm");
    let receipt = page["screen"]["receipt"].to_string();
    assert!(receipt.contains("临时挂失"), "{receipt}");
}

#[test]
fn without_a_camera_the_match_is_not_possible_and_staff_decide() {
    let (k, _dir) = kiosk();
    k.api("POST", "/api/sim/scene", json!({ "scene": "unplugged" }));
    // The photo step needs the camera: a business without one (an agent's loss report).
    let page = agent_loss_to_identity(&k, "long-term.toml");
    // No consent is asked for a camera that cannot be used.
    assert_eq!(face_step(&page), "awaiting_staff", "{page}");
}

/// The stand-in for a vendor's licensed WLT decoder (card-io/tests/wlt-standin/standin.c,
/// built here with the system C compiler, as card-io's own tests do).
fn wlt_standin() -> std::path::PathBuf {
    let src = tests::kiosk::root().join("card-io/tests/wlt-standin/standin.c");
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("face-flow-wlt");
    std::fs::create_dir_all(&dir).expect("a folder for the stand-in");
    let out = dir.join("libwlt-standin.so");
    let status = std::process::Command::new("cc")
        .args(["-shared", "-fPIC", "-O1", "-Wall", "-Werror", "-o"])
        .arg(&out)
        .arg(&src)
        .status()
        .expect("run cc (the C compiler builds the stand-in decoder)");
    assert!(status.success(), "cc failed on {}", src.display());
    out
}

/// An agent's loss report for 马丽 (v3-sm4) up to the identity step's consent, the agent's ID
/// card being `agent`.
fn agent_loss_to_consent(k: &Kiosk, agent: &str) -> Value {
    let page = agent_loss_to_identity(k, agent);
    assert_eq!(face_step(&page), "consent", "{page}");
    page
}

/// An agent's loss report for 马丽 (v3-sm4) up to the identity step's first screen.
fn agent_loss_to_identity(k: &Kiosk, agent: &str) -> Value {
    let page = k.api(
        "POST",
        "/api/session/start",
        json!({ "business": "report_loss", "agent": "true" }),
    );
    assert_eq!(kind(&page), "ask", "{page}");
    k.api(
        "POST",
        "/api/sim/idcard",
        json!({ "person": "v3-sm4.toml" }),
    );
    k.wait_screen("the agent's ID card asked", |p| {
        p["screen"]["ask"]["agent"] == true
    });
    k.api("POST", "/api/sim/idcard", json!({ "person": agent }));
    k.wait_screen("the identity step", |p| kind(p) == "face")
}

/// Issue 19 item 2: the ID card's photo, decoded by the licensed decoder plugged in at run
/// time (`[devices] wlt_decoder`; here the tests' stand-in library), is the match's first
/// reference. An agent whose card photo is the stand-in's plain grey test picture gets no
/// match (no face in the reference: the staff path), though the live person would match the
/// simulator's own photo; an agent whose card photo the decoder cannot decode (the
/// simulator's bytes are not its test format) falls back to that photo and passes.
#[test]
fn the_id_cards_decoded_photo_is_the_reference() {
    let lib = wlt_standin();
    let (k, _dir) = kiosk_with(&format!("wlt_decoder = \"{}\"\n", lib.display()));
    scene(&k, "live");
    agent_loss_to_consent(&k, "kwlt-photo.toml");
    let page = event(&k, "face_accept");
    assert_eq!(face_step(&page), "matching", "{page}");
    let page = match_result(&k);
    assert_eq!(face_step(&page), "awaiting_staff", "{page}");
    let page = event(&k, "face_end");
    k.home_after(page);
    // The control: the decoder cannot decode this agent's photo; the simulator's is used.
    agent_loss_to_consent(&k, "long-term.toml");
    event(&k, "face_accept");
    let page = match_result(&k);
    assert_eq!(kind(&page), "confirm", "{page}");
}
