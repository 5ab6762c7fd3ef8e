//! The fleet rig (issue 16): N kiosk engines (`FLEET_KIOSKS`, 4 by default) on
//! `kiosk_store::AgencyStore`, each with its own encrypted SQLite file and reaching the agency
//! through a loopback TCP proxy of its own (`proxy`), doing a seeded pseudo-random sequence of
//! businesses (报失 without the card, 解挂 with it, a long business holding a card, and
//! rounds of every kiosk at once on threads) on a small shared set of people and cards, while
//! faults are injected:
//! - the network between one kiosk and the agency cut just after a card command (its commit
//!   waits in the outbox while the agency's lease keeps the card from other kiosks) and
//!   restored; slow links (the proxy delays every chunk);
//! - an answer lost: the agency applies a commit whose answer never reaches the kiosk (the
//!   proxy mutes the agency's side), which sends it again: applied once;
//! - PostgreSQL stopped and started again by its data directory, under the serving agency;
//! - a kiosk killed between a card command and its commit (the card unwinds the engine right
//!   after answering the command), then opened again on the same SQLite file: the intent
//!   journal's recovery settles the command and the commit reaches the agency.
//!
//! Afterwards: every card agrees with the registry, every completed case was committed at the
//! agency exactly once and no case was closed twice, no lease is left, every outbox is empty
//! and no intent pending, and every audit chain (each kiosk's and the agency's) verifies.
//! The test prints its figures (RELIABILITY.md, "Fleet rig (issue 16)").

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use card_io::sscard::AppState;
use chrono::Utc;
use hw_sim::backend::CARD_SLOT;
use hw_sim::SimDevice;
use kiosk_core::domain::{BusinessCode as B, CardState, Outcome};
use kiosk_core::engine::session::{Event, Failure, Session};
use kiosk_core::store::{AuditLog, Journal, Registry, Reservation};
use kiosk_store::agency::MAX_BACKOFF;
use kiosk_store::sqlite::SqliteStore;
use kiosk_store::AgencyStore;

use super::fleet_kiosk::{
    arm, armed, business, image, outcome, End, FleetCard, Killed, Node, Trip, HOLDERS,
};
use super::kiosks::{card, feed, id_text, root, waiting_commits};
use super::pg::Cluster;
use super::rig::Agency;

/// Kiosks in the CI run; `FLEET_KIOSKS` raises it for a longer run.
const KIOSKS: usize = 4;
/// Random businesses per kiosk.
const STEPS_PER_KIOSK: usize = 12;
const SEED: u64 = 0x16_f1ee7;
/// The 解挂 card command: APPLICATION UNBLOCK's instruction byte.
const INS_UNBLOCK_APP: u8 = 0x18;

/// xorshift64*: the run's choices, the same for the same seed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n
    }
}

/// The figures the run prints.
#[derive(Debug, Default)]
struct Figures {
    businesses: u32,
    completed: Vec<String>,
    card_busy: u32,
    record_changed: u32,
    unavailable: u32,
    holds: u32,
    /// Rounds of every kiosk at once on one card.
    races: u32,
    slow_links: u32,
    outbox_max: u64,
    /// The card after another kiosk read it while its 解挂's commit waited in an outbox.
    guarded_while_queued: Option<AppState>,
    /// Commits answered at the agency for the case whose answer was lost.
    replayed: u64,
    /// Cards found apart from the registry at the end, before their last insertion.
    apart: Vec<String>,
}

struct Fleet {
    agency: Agency,
    /// A client of the agency that goes around every proxy: what the registry says now.
    oracle: AgencyStore,
    nodes: Vec<Node>,
    cards: BTreeMap<&'static str, Box<dyn SimDevice>>,
    trips: BTreeMap<&'static str, Trip>,
    /// Cards held by a live lease at the agency, and why (for the refusals expected).
    leased: BTreeMap<&'static str, &'static str>,
    /// A long business holding a card: (kiosk, session, card).
    hold: Option<(usize, Session, &'static str)>,
    rng: Rng,
    fig: Figures,
}

impl Fleet {
    fn state(&self, card: &str) -> CardState {
        self.oracle
            .card(card)
            .expect("the agency answers")
            .expect("card known")
            .state
    }

    fn note_outboxes(&mut self) {
        for n in &self.nodes {
            if let Some(s) = &n.store {
                self.fig.outbox_max = self.fig.outbox_max.max(s.outbox_len().expect("outbox"));
            }
        }
    }

    /// One business chosen from the registry's state: 报失 an active card, 解挂 a lost one.
    /// A card another case holds must be refused with CardBusy, untouched.
    fn step(&mut self, k: usize, h: usize) -> End {
        let who = &HOLDERS[h];
        let state = self.state(who.card);
        let b = match state {
            CardState::Active => B::ReportLoss,
            CardState::LostTemporary => B::CancelLoss,
            other => panic!("{}: {other:?}", who.card),
        };
        let mut card = (b == B::CancelLoss).then(|| self.cards.remove(who.card).expect("card"));
        let end = business(&self.nodes[k], b, who, &mut card);
        if let Some(c) = card {
            self.cards.insert(who.card, c);
        }
        self.fig.businesses += 1;
        match (&end, self.leased.get(who.card)) {
            (End::Done(case), None) => self.fig.completed.push(case.clone()),
            // A card command on it: refused before the card is touched.
            (End::Failed(Failure::CardBusy, _), Some(_)) if b == B::CancelLoss => {
                self.fig.card_busy += 1;
            }
            // 报失 sends no card command (nothing to reserve): the agency refuses its commit
            // because another case holds the card, and nothing is written.
            (End::Failed(Failure::CardBusy, _), Some(_)) if b == B::ReportLoss => {
                self.fig.card_busy += 1;
            }
            (End::Refused(Failure::RegistryUnavailable), _) => self.fig.unavailable += 1,
            (other, lease) => panic!(
                "{} {b:?} on {} (leased: {lease:?}): {other:?}",
                self.nodes[k].id, who.card
            ),
        }
        self.note_outboxes();
        end
    }

    /// A long business at kiosk `k` that holds `card` at the agency (a 补换卡 in progress).
    fn hold(&mut self, k: usize, h: usize) {
        let card = HOLDERS[h].card;
        let e = self.nodes[k].engine();
        let s = e.start(B::Replace, false, Utc::now()).expect("start");
        let state = self.state(card);
        self.nodes[k]
            .store()
            .reserve(&Reservation {
                case_id: s.case_id.clone(),
                cards: vec![(card.into(), state)],
                persons: vec![HOLDERS[h].id.into()],
            })
            .expect("the card is free");
        self.leased.insert(card, "held by a long business");
        self.hold = Some((k, s, card));
        self.fig.holds += 1;
    }

    fn release_hold(&mut self) {
        if let Some((k, mut s, card)) = self.hold.take() {
            let e = self.nodes[k].engine();
            e.feed(&mut s, Event::Cancel, Utc::now()).expect("cancel");
            self.leased.remove(card);
        }
    }

    /// `n` random steps on the kiosks `among`.
    fn random(&mut self, n: usize, among: &[usize]) {
        for _ in 0..n {
            let k = among[self.rng.below(among.len())];
            let h = self.rng.below(HOLDERS.len());
            match self.rng.below(8) {
                0 | 3 if self.hold.is_none() && !self.leased.contains_key(HOLDERS[h].card) => {
                    self.hold(k, h);
                }
                1 => self.release_hold(),
                2 => {
                    let ms = [0, 0, 15, 40][self.rng.below(4)];
                    self.nodes[k].proxy.delay(Duration::from_millis(ms));
                    self.fig.slow_links += u32::from(ms > 0);
                }
                _ => {
                    self.step(k, h);
                }
            }
        }
    }

    /// Every kiosk at once, on threads: the same holder's 报失, each having read the card as
    /// active before any confirms. Exactly one is done; the others are refused, nothing
    /// written.
    fn race_report_loss(&mut self, h: usize) {
        let who = &HOLDERS[h];
        assert_eq!(self.state(who.card), CardState::Active);
        let barrier = std::sync::Barrier::new(self.nodes.len());
        let ends: Vec<End> = std::thread::scope(|scope| {
            let threads: Vec<_> = (self.nodes.iter())
                .map(|n| {
                    let barrier = &barrier;
                    scope.spawn(move || {
                        let e = n.engine();
                        let mut s = e.start(B::ReportLoss, false, Utc::now()).expect("start");
                        let ev = e.id_card_read(&id_text(who.file)).expect("ID card");
                        feed(&e, &mut s, ev);
                        barrier.wait();
                        feed(&e, &mut s, Event::Confirm);
                        outcome(&s)
                    })
                })
                .collect();
            threads
                .into_iter()
                .map(|t| t.join().expect("kiosk"))
                .collect()
        });
        let done = ends.iter().filter(|e| matches!(e, End::Done(_))).count();
        assert_eq!(done, 1, "one 报失 wins: {ends:?}");
        for end in ends {
            match end {
                End::Done(case) => self.fig.completed.push(case),
                End::Failed(Failure::RecordChanged, _) => self.fig.record_changed += 1,
                other => panic!("{other:?}"),
            }
        }
        self.fig.businesses += self.nodes.len() as u32;
        self.fig.races += 1;
        assert_eq!(self.state(who.card), CardState::LostTemporary);
        self.note_outboxes();
    }

    /// Every kiosk at once, on threads: a long business reserving the same card. Exactly one
    /// holds it; the others are refused; then every case is cancelled (leases released).
    fn race_leases(&mut self, h: usize) {
        let who = &HOLDERS[h];
        let state = self.state(who.card);
        let barrier = std::sync::Barrier::new(self.nodes.len());
        let held = std::thread::scope(|scope| {
            let threads: Vec<_> = (self.nodes.iter())
                .map(|n| {
                    let barrier = &barrier;
                    scope.spawn(move || {
                        let e = n.engine();
                        let mut s = e.start(B::Replace, false, Utc::now()).expect("start");
                        barrier.wait();
                        let r = n.store().reserve(&Reservation {
                            case_id: s.case_id.clone(),
                            cards: vec![(who.card.into(), state)],
                            persons: vec![who.id.into()],
                        });
                        barrier.wait();
                        e.feed(&mut s, Event::Cancel, Utc::now()).expect("cancel");
                        match r {
                            Ok(()) => true,
                            Err(kiosk_core::store::StoreError::Busy(_)) => false,
                            Err(e) => panic!("{}: {e}", n.id),
                        }
                    })
                })
                .collect();
            (threads.into_iter())
                .map(|t| t.join().expect("kiosk"))
                .filter(|held| *held)
                .count()
        });
        assert_eq!(held, 1, "one lease wins");
        self.fig.card_busy += self.nodes.len() as u32 - 1;
        self.fig.holds += 1;
        self.fig.races += 1;
        assert_eq!(count(&self.agency, "SELECT count(*) FROM leases"), 0);
    }

    /// Makes `h`'s card active at the registry (解挂 at kiosk `k`) if it is lost.
    fn make_active(&mut self, k: usize, h: usize) {
        if self.state(HOLDERS[h].card) == CardState::LostTemporary {
            assert!(matches!(self.step(k, h), End::Done(_)));
        }
        assert_eq!(self.state(HOLDERS[h].card), CardState::Active);
    }

    /// Makes `h`'s card lost at the registry (报失 at kiosk `k`) if it is not.
    fn make_lost(&mut self, k: usize, h: usize) {
        if self.state(HOLDERS[h].card) == CardState::Active {
            assert!(matches!(self.step(k, h), End::Done(_)));
        }
        assert_eq!(self.state(HOLDERS[h].card), CardState::LostTemporary);
    }

    /// Waits until every outbox is empty: the delivery threads send by themselves, after
    /// a backoff that grows while the agency cannot be reached (to `MAX_BACKOFF`).
    fn wait_drained(&mut self, deadline: Duration) {
        let until = Instant::now() + deadline;
        for n in &self.nodes {
            while n.store().outbox_len().expect("outbox") > 0 {
                assert!(Instant::now() < until, "{}: the outbox did not drain", n.id);
                std::thread::sleep(Duration::from_millis(25));
            }
        }
    }
}

fn count(agency: &Agency, sql: &str) -> u64 {
    let out = agency.psql(sql);
    out.trim()
        .parse()
        .unwrap_or_else(|e| panic!("{sql}: {out:?}: {e}"))
}

#[test]
fn a_fleet_of_kiosks_keeps_cards_and_registry_in_step_through_faults() {
    let started = Instant::now();
    let kiosks = std::env::var("FLEET_KIOSKS")
        .map(|v| v.trim().parse::<usize>().expect("FLEET_KIOSKS is a number"))
        .unwrap_or(KIOSKS);
    assert!(kiosks >= 3, "the faults need three kiosks at least");
    // A cluster of its own: this test stops PostgreSQL, which the other tests share.
    let cluster: &'static Cluster = Box::leak(Box::new(Cluster::start(false)));
    let mut agency = Agency::in_cluster(cluster);
    agency.fix_port();
    agency.start();
    let demo = root().join("data/demo/registry.jsonl");
    agency.ok(&["import", &demo.display().to_string()]);
    let dir = tempfile::tempdir().expect("temp dir");
    let nodes: Vec<Node> = (0..kiosks)
        .map(|i| Node::new(&agency, dir.path(), &format!("KF{i}")))
        .collect();
    agency.kiosk("KFO");
    let direct = agency.link("KFO", &agency.base);
    let oracle = AgencyStore::new(&direct, "KFO", SqliteStore::open_in_memory().expect("db"))
        .expect("oracle");
    let mut cards = BTreeMap::new();
    let mut trips = BTreeMap::new();
    for h in &HOLDERS {
        let trip: Trip = Arc::default();
        let c: Box<dyn SimDevice> = Box::new(FleetCard {
            os: card(h.file),
            trip: Arc::clone(&trip),
        });
        cards.insert(h.card, c);
        trips.insert(h.card, trip);
    }
    let mut f = Fleet {
        agency,
        oracle,
        nodes,
        cards,
        trips,
        leased: BTreeMap::new(),
        hold: None,
        rng: Rng(SEED),
        fig: Figures::default(),
    };
    let all: Vec<usize> = (0..kiosks).collect();
    let steps = STEPS_PER_KIOSK * kiosks;
    let setup = started.elapsed();

    // 1. Businesses on the whole fleet, and every kiosk at once on one card.
    f.random(steps / 4, &all);
    f.release_hold();
    for h in 0..HOLDERS.len() {
        f.make_active(0, h);
        f.race_report_loss(h);
        f.race_leases(h);
    }

    // 2. The network between kiosk 1 and the agency is cut right after its 解挂 took effect
    //    on the card: the case completes at the kiosk, its commit waits in the outbox, and the
    //    agency's lease keeps the card from every other kiosk until it arrives.
    f.release_hold();
    let (cut, card0) = (1, HOLDERS[0].card);
    f.make_lost(0, 0);
    arm(
        &f.trips[card0],
        INS_UNBLOCK_APP,
        Box::new(f.nodes[cut].proxy.cutter()),
    );
    assert!(matches!(f.step(cut, 0), End::Done(_)));
    assert!(!armed(&f.trips[card0]), "cut after the card command");
    assert_eq!(waiting_commits(f.nodes[cut].store()), 1);
    assert_eq!(f.state(card0), CardState::LostTemporary);
    let (app, c) = image(f.cards.remove(card0).expect("card"));
    f.cards.insert(card0, c);
    assert_eq!(app, AppState::Active, "the card was unblocked");
    f.leased
        .insert(card0, "its commit waits in a cut-off kiosk's outbox");
    assert!(matches!(f.step(2, 0), End::Failed(Failure::CardBusy, _)));
    // Kiosk 2's insertion guard judged the card by the registry, which has not heard of the
    // unblock yet; it asks for the card first, and kiosk 1's case still holds it, so the
    // card is left as kiosk 1 left it (not blocked again).
    let (app, c) = image(f.cards.remove(card0).expect("card"));
    f.cards.insert(card0, c);
    assert_eq!(app, AppState::Active, "the guard left a held card alone");
    f.fig.guarded_while_queued = Some(app);
    assert_eq!(
        f.step(cut, 1),
        End::Refused(Failure::RegistryUnavailable),
        "the cut-off kiosk refuses what needs the registry"
    );
    let others: Vec<usize> = all.iter().copied().filter(|&k| k != cut).collect();
    f.random(steps / 8, &others);
    let restored = Instant::now();
    f.nodes[cut].proxy.restore();
    f.wait_drained(MAX_BACKOFF + Duration::from_secs(30));
    let drain = restored.elapsed();
    f.leased.remove(card0);
    assert_eq!(f.state(card0), CardState::Active, "delivered after the cut");

    // 2b. The answer lost: kiosk 3's 解挂 commit reaches the agency, which applies it, but
    //     its answer never comes back (the card mutes the agency's side of kiosk 3's proxy
    //     right after the command). The kiosk times out, keeps the commit in its outbox and
    //     sends it again; the agency answers from its idempotency key: applied once.
    f.release_hold();
    let lost = kiosks - 1;
    f.make_lost(0, 0);
    arm(
        &f.trips[card0],
        INS_UNBLOCK_APP,
        Box::new(f.nodes[lost].proxy.muter()),
    );
    let End::Done(case) = f.step(lost, 0) else {
        panic!("the 解挂 at KF{lost} did not complete");
    };
    assert!(!armed(&f.trips[card0]), "muted after the card command");
    assert_eq!(
        f.state(card0),
        CardState::Active,
        "the agency applied the commit whose answer was lost"
    );
    assert_eq!(waiting_commits(f.nodes[lost].store()), 1);
    f.nodes[lost].proxy.unmute();
    f.wait_drained(MAX_BACKOFF + Duration::from_secs(30));
    let closes =
        format!("SELECT count(*) FROM audit WHERE action = 'case.close' AND subject = '{case}'");
    assert_eq!(count(&f.agency, &closes), 1, "sent twice, applied once");
    let answered = format!(
        "SELECT count(*) FROM idempotency WHERE key LIKE '{case}#%' AND answer IS NOT NULL"
    );
    f.fig.replayed = count(&f.agency, &answered);

    // 3. PostgreSQL stops under the serving agency and starts again on the same data
    //    directory: meanwhile every kiosk refuses plainly, and nothing is touched.
    f.release_hold();
    cluster.stop();
    let pg_down = Instant::now();
    for k in 0..kiosks {
        let h = k % HOLDERS.len();
        let end = business(&f.nodes[k], B::ReportLoss, &HOLDERS[h], &mut None);
        assert_eq!(end, End::Refused(Failure::RegistryUnavailable), "KF{k}");
        f.fig.businesses += 1;
        f.fig.unavailable += 1;
    }
    cluster.start_again();
    let until = Instant::now() + Duration::from_secs(30);
    while !(f.oracle.reachable() && f.nodes.iter().all(|n| n.store().reachable())) {
        assert!(
            Instant::now() < until,
            "the agency did not find its database again"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let pg_outage = pg_down.elapsed();
    f.random(steps / 4, &all);

    // 4. Kiosk 2 is killed between its 解挂's card command and the commit (the card stays in
    //    its reader). Its lease holds the card meanwhile; started again on the same SQLite
    //    file, it settles the journaled command from the card and commits it.
    f.release_hold();
    let (victim, card1) = (2, HOLDERS[1].card);
    f.make_lost(0, 1);
    arm(
        &f.trips[card1],
        INS_UNBLOCK_APP,
        Box::new(|| std::panic::resume_unwind(Box::new(Killed))),
    );
    let mut c = Some(f.cards.remove(card1).expect("card"));
    let died = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        business(&f.nodes[victim], B::CancelLoss, &HOLDERS[1], &mut c)
    }));
    assert!(
        died.is_err_and(|p| p.is::<Killed>()),
        "the kiosk died mid-business"
    );
    assert!(c.is_none(), "the card is in the dead kiosk's reader");
    f.fig.businesses += 1;
    let pending = f.nodes[victim].store().pending_intents().expect("journal");
    assert_eq!(pending.len(), 1, "{pending:?}");
    let case_id = pending[0].intent.case_id.clone();
    f.nodes[victim].lose_process();
    assert_eq!(f.state(card1), CardState::LostTemporary);
    let leases = format!("SELECT count(*) FROM leases WHERE case_id = '{case_id}'");
    assert_eq!(count(&f.agency, &leases), 1, "the dead kiosk's lease");
    let busy = f.nodes[0].store().reserve(&Reservation {
        case_id: "KF0-probe".into(),
        cards: vec![(card1.into(), CardState::LostTemporary)],
        persons: vec![HOLDERS[1].id.into()],
    });
    assert!(
        matches!(busy, Err(kiosk_core::store::StoreError::Busy(_))),
        "{busy:?}"
    );
    f.fig.card_busy += 1;
    f.nodes[victim].open();
    let settled = f.nodes[victim]
        .engine()
        .startup(Utc::now())
        .expect("startup");
    assert_eq!(settled.len(), 1, "{settled:?}");
    assert!(settled[0].applied && settled[0].case_id == case_id);
    let c = f.nodes[victim].readers.remove(CARD_SLOT).expect("card");
    f.cards.insert(card1, c);
    assert_eq!(f.state(card1), CardState::Active);
    assert_eq!(count(&f.agency, &leases), 0, "released by the commit");
    f.fig.completed.push(case_id);

    // 5. More businesses, then every fault undone and every outbox drained.
    f.random(steps - steps / 4 * 2 - steps / 8, &all);
    f.release_hold();
    for n in &f.nodes {
        n.proxy.delay(Duration::ZERO);
    }
    f.wait_drained(MAX_BACKOFF + Duration::from_secs(30));
    let run = started.elapsed() - setup;

    check(&mut f);
    let fig = &f.fig;
    println!(
        "fleet: {kiosks} kiosks, {} businesses: {} completed, {} refused CardBusy or a lease (card \
         held elsewhere), {} 报失 refused RecordChanged (card held or changed elsewhere), {} refused registry unavailable; {} long businesses holding a card, {} \
         rounds of every kiosk at once on one card, {} slow-link switches; faults: network cut mid-commit (drained {drain:.1?} after \
         restore; the card, read meanwhile at another kiosk: {:?}), answer lost after the agency applied a \
         commit (sent again, applied once; {} keys answered for its case), PostgreSQL \
         restart ({pg_outage:.1?} down), kiosk killed mid-business and \
         recovered; outbox max depth {}; cards apart from the registry until inserted: {:?}; setup {setup:.1?}, run {run:.1?}, total {:.1?}",
        fig.businesses,
        fig.completed.len(),
        fig.card_busy,
        fig.record_changed,
        fig.unavailable,
        fig.holds,
        fig.races,
        fig.slow_links,
        fig.guarded_while_queued,
        fig.replayed,
        fig.outbox_max,
        fig.apart,
        started.elapsed()
    );
}

/// The invariants after the run.
fn check(f: &mut Fleet) {
    // Every card agrees with the registry, once inserted: a card is brought in line with the
    // registry when it is read (a loss reported without the card leaves it active until then;
    // a card read while the registry had not yet heard of its last command is guarded by
    // the registry's older state). Those found apart are inserted once at kiosk 0, which
    // must settle them.
    for h in &HOLDERS {
        let state = f.state(h.card);
        let expected = match state {
            CardState::Active => AppState::Active,
            CardState::LostTemporary => AppState::TemporarilyBlocked,
            other => panic!("{}: {other:?}", h.card),
        };
        let (mut app, mut c) = image(f.cards.remove(h.card).expect("card"));
        if app != expected {
            f.fig.apart.push(format!("{} {state:?}/{app:?}", h.card));
            let n = &f.nodes[0];
            assert!(n.readers.insert(CARD_SLOT, c));
            let ins = n.engine().card_inserted(Utc::now()).expect("insert");
            assert!(ins.guarded.is_some(), "{}: not guarded", h.card);
            (app, c) = image(n.readers.remove(CARD_SLOT).expect("card"));
        }
        assert_eq!(app, expected, "{}: the card against the registry", h.card);
        f.cards.insert(h.card, c);
    }
    // Every completed case committed at the agency, closed once; no case closed twice; as
    // many completed cases there as here; no lease left.
    for case in &f.fig.completed {
        let at_agency = f.oracle.case(case).expect("case").expect("at the agency");
        assert_eq!(at_agency.outcome, Some(Outcome::Completed), "{case}");
        let closes = format!(
            "SELECT count(*) FROM audit WHERE action = 'case.close' AND subject = '{case}'"
        );
        assert_eq!(count(&f.agency, &closes), 1, "{case} closed once");
    }
    let twice = "SELECT count(*) FROM (SELECT subject FROM audit WHERE action = 'case.close' \
                 GROUP BY subject HAVING count(*) > 1) AS d";
    assert_eq!(count(&f.agency, twice), 0, "a case closed twice");
    let completed =
        "SELECT count(*) FROM cases WHERE kiosk_id LIKE 'KF%' AND outcome = 'completed'";
    assert_eq!(count(&f.agency, completed), f.fig.completed.len() as u64);
    assert_eq!(count(&f.agency, "SELECT count(*) FROM leases"), 0);
    // Every kiosk: nothing waiting, nothing pending, its audit chain whole.
    for n in &f.nodes {
        assert!(n.proxy.accepted() > 0, "{}: the proxy is in the path", n.id);
        let s = n.store();
        assert_eq!(s.outbox_len().expect("outbox"), 0, "{}", n.id);
        assert!(s.pending_intents().expect("journal").is_empty(), "{}", n.id);
        let report = s.verify().expect("audit");
        assert!(report.ok(), "{}: {:?}", n.id, report.problems);
    }
    f.agency.ok(&["audit", "verify"]);
}
