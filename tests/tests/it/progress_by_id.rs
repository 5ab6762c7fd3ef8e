//! issue 17 items 2 and 3, end to end: an applicant without a card applies (the case ends in
//! the session, 即时办结, and counts on time whatever the production's expected date), then
//! sees the application's progress with the ID card alone (状态查询, no social security
//! card). In-process and through pcscd + vpcd, like the walks of `businesses`.

use hw_sim::Transport;
use kiosk_core::domain::{local_date, BusinessCode as B, Outcome, Progress};
use kiosk_core::engine::session::{Event, Phase};
use kiosk_core::rules::Material;
use kiosk_core::store::{AuditLog, Feedback, Registry};
use tests::kiosk::{feed, id_text, now, receipt, start, TestKiosk};
use tests::rig::{InProcess, Rig, Vpcd};

/// Holds no card in the demo registry: a first application (申领).
const APPLICANT: &str = "long-term.toml";
const APPLICANT_ID: &str = "652301195510030022";

fn no_printer(_: &[String]) -> Result<(), String> {
    Ok(())
}

fn progress_by_id_card_alone(rig: &dyn Rig) {
    let k = TestKiosk::new();
    let e = k.engine(rig.provider(), &no_printer);
    let today = local_date(now());

    // 申领: done in the session; the card's production has its own expected date
    let mut s = start(&e, B::Apply, false);
    feed(
        &e,
        &mut s,
        e.id_card_read(&id_text(APPLICANT)).expect("ID card event"),
    );
    feed(
        &e,
        &mut s,
        Event::PhotoTaken(tests::kiosk::compliant_photo()),
    );
    feed(&e, &mut s, Event::Confirm);
    receipt(&s);
    let applied = s.case_id.clone();
    let case = k.store.case(&applied).unwrap().expect("the case");
    let app = k
        .store
        .application(&applied)
        .unwrap()
        .expect("the application");
    assert_eq!(case.outcome, Some(Outcome::Completed));
    assert_eq!(
        case.deadline,
        Some(today),
        "即时办结: the case's limit is its day"
    );
    assert!(
        app.deadline > today,
        "the production date lies ahead: {}",
        app.deadline
    );
    assert_eq!((app.ready_at, app.deadline_recomputed_from), (None, None));
    let stats = k.store.stats(today, today).unwrap();
    let apply = stats.iter().find(|b| b.business == B::Apply).expect("申领");
    assert_eq!((apply.completed, apply.on_time_rate), (1, Some(1.0)));
    // the production's own figure: the application is not yet due
    let production = k
        .store
        .production_stats(app.deadline, app.deadline, today)
        .unwrap();
    assert_eq!(
        (production.not_yet_due, production.on_time_rate()),
        (1, None)
    );

    // 状态查询 with the ID card and no social security card
    let mut s = start(&e, B::Status, false);
    feed(
        &e,
        &mut s,
        e.id_card_read(&id_text(APPLICANT)).expect("ID card event"),
    );
    assert_eq!(
        s.phase,
        Phase::Gathering {
            material: Material::SsCard
        }
    );
    feed(&e, &mut s, Event::Lacking(Material::SsCard));
    assert!(s.progress_only(), "{:?}", s.phase);
    assert_eq!(s.phase, Phase::Confirming);
    feed(&e, &mut s, Event::Confirm);
    let text = receipt(&s).join("\n");
    let progress = Progress::Submitted.text().zh;
    assert!(
        text.contains(&format!(
            "申请进度: {progress}(预计 {} 前制成)",
            app.deadline
        )),
        "{text}"
    );
    assert!(!text.contains("密码"), "no card, no PIN line: {text}");
    assert!(
        !text.contains(APPLICANT_ID),
        "full ID number on a receipt: {text}"
    );
    let case = k.store.case(&s.case_id).unwrap().expect("the status case");
    assert_eq!(case.outcome, Some(Outcome::Completed));
    assert!(k.store.verify().unwrap().ok());
}

#[test]
fn in_process() {
    progress_by_id_card_alone(&InProcess::new(Transport::T1));
}

#[test]
fn through_vpcd() {
    let rig = Vpcd::lock(Transport::T1);
    progress_by_id_card_alone(&*rig);
}
