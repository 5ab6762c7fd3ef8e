//! APDUs per operation, counted on the in-process simulator: shared by the `apdu_counts`
//! test (exact expectations) and `card-bench` (the table in BENCHMARKS.md).

use card_io::date::Date;
use card_io::sam::psam::Psam;
use card_io::CardConnection;
use hw_sim::backend::{CARD_SLOT, PSAM_SLOT};
use hw_sim::Transport;
use kiosk_core::card_ops::{self, OpError, Target};

use crate::counting::CountingProvider;
use crate::rig::{InProcess, Rig};
use crate::{card, pin};

/// Both readers named, so discovery is not counted.
pub fn target() -> Target {
    Target {
        reader: Some(CARD_SLOT.into()),
        psam_reader: Some(PSAM_SLOT.into()),
        ..Target::default()
    }
}

fn ok<T>(r: Result<T, OpError>) -> T {
    r.unwrap_or_else(|e| panic!("{e}"))
}

type Secured = Box<dyn Fn(Box<dyn CardConnection>, &mut Psam) -> Result<(), OpError>>;

/// (operation, card APDUs, PSAM APDUs) for every operation, run in sequence on one card.
pub fn op_counts(card_name: &str, t: Transport) -> Vec<(&'static str, usize, usize)> {
    let rig = InProcess::new(t);
    rig.insert(card(card_name, t));
    let p = CountingProvider::new(rig.provider());
    let tg = target();
    let conn = || ok(card_ops::connect_card(&p, &tg));
    let today = Date::new(2026, 1, 1).unwrap_or_else(|| unreachable!());
    let mut out = Vec::new();
    p.take();
    ok(card_ops::info(conn()));
    out.push(("info", p.take(), 0));
    ok(card_ops::status(conn(), today));
    out.push(("status", p.take(), 0));
    ok(card_ops::verify(conn(), &pin("123456")));
    out.push(("verify", p.take(), 0));
    ok(card_ops::change_pin(conn(), &pin("123456"), &pin("704915")));
    out.push(("change-pin", p.take(), 0));
    let secured: Vec<(&'static str, Secured)> = vec![
        (
            "reset-pin",
            Box::new(|c, s| card_ops::reset_pin(c, s, &pin("802613"))),
        ),
        ("unblock-pin", Box::new(|c, s| card_ops::unblock_pin(c, s))),
        (
            "block-app",
            Box::new(|c, s| card_ops::block_app(c, s, false)),
        ),
        ("unblock-app", Box::new(|c, s| card_ops::unblock_app(c, s))),
        ("block-card", Box::new(|c, s| card_ops::block_card(c, s))),
    ];
    for (label, f) in secured {
        // The PSAM gets its own counter; its SELECT at opening is not part of the operation.
        let psam_counter = CountingProvider::new(rig.provider());
        let mut sam = ok(card_ops::open_psam(&psam_counter, &tg, CARD_SLOT));
        psam_counter.take();
        let c = conn();
        p.take();
        ok(f(c, &mut sam));
        out.push((label, p.take(), psam_counter.take()));
    }
    out
}
