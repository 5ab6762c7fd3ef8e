//! `kiosk card …`: technician operations on the citizen's card.
//!
//! PINs come from standard input, one per line, never from arguments (arguments show up
//! in `ps` and shell history).

use card_io::date::Date;
use card_io::pin::Pin;
use card_io::sam::psam::Psam;
use card_io::transport::ReaderProvider;
use clap::{Args, Subcommand};
use kiosk_core::card_ops::{self, OpError, Target};
use kiosk_core::mask;
use serde_json::json;

use super::common::fail;

#[derive(Args)]
pub(crate) struct CardArgs {
    #[command(subcommand)]
    op: Op,
    /// Card reader to use (default: the first reader whose card has the social security application).
    #[arg(long, global = true, value_name = "NAME")]
    reader: Option<String>,
    /// PSAM reader to use (default: the reader whose card selects the PSAM application).
    #[arg(long, global = true, value_name = "NAME")]
    psam_reader: Option<String>,
    /// Print JSON on standard output.
    #[arg(long, global = true)]
    json: bool,
}

#[derive(Subcommand)]
enum Op {
    /// Read everything on the card (EF05, EF06, EF0D).
    Info,
    /// Application state, PIN tries left and validity.
    Status,
    /// Check a PIN (standard input: the PIN).
    Verify,
    /// 启用: replace the initial PIN with the holder's own (standard input: the new PIN).
    Activate,
    /// Change the PIN (standard input: old PIN, then new PIN).
    ChangePin,
    /// 重置: set a new PIN for a holder who forgot it, with the PSAM (standard input: new PIN).
    ResetPin,
    /// 解锁: restore the PIN tries of a blocked PIN, with the PSAM.
    UnblockPin,
    /// Block the social security application, with the PSAM.
    BlockApp {
        /// Block for good (cannot be undone).
        #[arg(long)]
        permanent: bool,
    },
    /// Undo a temporary application block, with the PSAM.
    UnblockApp,
    /// Block the whole card for good, with the PSAM.
    BlockCard {
        /// Required: this cannot be undone.
        #[arg(long)]
        confirm: bool,
    },
}

/// Reads PINs from standard input, one per line.
struct PinInput {
    line: usize,
}

impl PinInput {
    fn next(&mut self, what: &str) -> Result<Pin, String> {
        self.line += 1;
        let line = super::secret::read_secret_line(what)
            .map_err(|e| format!("cannot read the {what} from standard input: {e}"))?
            .ok_or_else(|| {
                format!(
                    "expected the {what} on line {} of standard input (one PIN per line)",
                    self.line
                )
            })?;
        Pin::parse(&line).map_err(|e| format!("standard input line {} ({what}): {e}", self.line))
    }
}

fn done(json: bool, operation: &str, text: &str) -> i32 {
    if json {
        println!("{}", json!({ "ok": true, "operation": operation }));
    } else {
        println!("{text}");
    }
    0
}

pub(crate) fn run(provider: &dyn ReaderProvider, args: CardArgs) -> i32 {
    let target = Target {
        reader: args.reader.clone(),
        psam_reader: args.psam_reader.clone(),
        ..Target::default()
    };
    let mut input = PinInput { line: 0 };
    // PINs are read before anything touches the card.
    let pins: Result<Vec<Pin>, String> = match &args.op {
        Op::Verify => input.next("PIN").map(|p| vec![p]),
        Op::Activate | Op::ResetPin => input.next("new PIN").map(|p| vec![p]),
        Op::ChangePin => input
            .next("old PIN")
            .and_then(|old| input.next("new PIN").map(|new| vec![old, new])),
        _ => Ok(Vec::new()),
    };
    let pins = match pins {
        Ok(p) => p,
        Err(msg) => return fail(2, msg),
    };
    if let Op::BlockCard { confirm: false } = args.op {
        return fail(
            2,
            "block-card cannot be undone; add --confirm to block the card",
        );
    }
    match execute(provider, &target, &args, &pins) {
        Ok(code) => code,
        Err(e) => fail(e.exit_code(), &e),
    }
}

fn needs_psam(op: &Op) -> bool {
    matches!(
        op,
        Op::ResetPin | Op::UnblockPin | Op::BlockApp { .. } | Op::UnblockApp | Op::BlockCard { .. }
    )
}

fn execute(
    provider: &dyn ReaderProvider,
    target: &Target,
    args: &CardArgs,
    pins: &[Pin],
) -> Result<i32, OpError> {
    let conn = card_ops::connect_card(provider, target)?;
    let mut psam: Option<Psam> = if needs_psam(&args.op) {
        Some(card_ops::open_psam(provider, target, conn.reader_name())?)
    } else {
        None
    };
    let json = args.json;
    let code = match (&args.op, psam.as_mut(), pins) {
        (Op::Info, _, _) => {
            let info = card_ops::info(conn)?;
            if json {
                println!("{}", card_ops::info_json(&info));
            } else {
                print_info(&info);
            }
            0
        }
        (Op::Status, _, _) => {
            let s = card_ops::status(conn, Date::today())?;
            if json {
                println!("{}", card_ops::status_json(&s));
            } else {
                let tries = s
                    .pin_tries_left
                    .map_or("unknown".to_owned(), |t| t.to_string());
                let expiry = s
                    .expiry_date
                    .map_or("unknown".to_owned(), |d| d.to_string());
                let expired = match s.expired {
                    Some(true) => " (expired)",
                    _ => "",
                };
                println!(
                    "application: {}\nPIN tries left: {tries}{}\nvalid until: {expiry}{expired}",
                    serde_json::to_value(s.application)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default(),
                    if s.pin_blocked { " (PIN blocked)" } else { "" }
                );
            }
            0
        }
        (Op::Verify, _, [pin]) => {
            card_ops::verify(conn, pin)?;
            done(json, "verify", "PIN correct")
        }
        (Op::Activate, _, [new]) => {
            card_ops::activate(conn, new)?;
            done(json, "activate", "card activated: the holder's PIN is set")
        }
        (Op::ChangePin, _, [old, new]) => {
            card_ops::change_pin(conn, old, new)?;
            done(json, "change-pin", "PIN changed")
        }
        (Op::ResetPin, Some(sam), [new]) => {
            card_ops::reset_pin(conn, sam, new)?;
            done(json, "reset-pin", "PIN reset; tries restored")
        }
        (Op::UnblockPin, Some(sam), _) => {
            card_ops::unblock_pin(conn, sam)?;
            done(json, "unblock-pin", "PIN unblocked; tries restored")
        }
        (Op::BlockApp { permanent }, Some(sam), _) => {
            card_ops::block_app(conn, sam, *permanent)?;
            if *permanent {
                done(json, "block-app", "application permanently blocked")
            } else {
                done(json, "block-app", "application temporarily blocked")
            }
        }
        (Op::UnblockApp, Some(sam), _) => {
            card_ops::unblock_app(conn, sam)?;
            done(json, "unblock-app", "application unblocked")
        }
        (Op::BlockCard { .. }, Some(sam), _) => {
            card_ops::block_card(conn, sam)?;
            done(json, "block-card", "card blocked")
        }
        _ => return Err(OpError::NoPsam),
    };
    if let Some(p) = psam {
        let _ = p.close();
    }
    Ok(code)
}

fn print_info(info: &card_io::sscard::CardInfo) {
    let id = &info.identity;
    println!("card number:      {}", id.card_number);
    println!("card type:        {}", id.card_type);
    println!("spec version:     {}", id.spec_version);
    println!("region:           {}", id.region_code);
    println!("issued:           {}", id.issue_date);
    println!("valid until:      {}", id.expiry_date);
    match info.algorithm {
        Some(alg) => println!("algorithm:        {alg}"),
        None => println!("algorithm:        unknown (no FCI)"),
    }
    match &info.holder {
        Some(h) => {
            println!("name:             {}", mask::name(&h.name));
            println!("ID number:        {}", mask::id_number(&h.ssn));
            println!("birth date:       {}", h.birth_date);
        }
        None => println!("holder data:      not readable (application blocked)"),
    }
    if let Some(e) = &info.ef0d {
        println!("person id:        {}", mask::middle(&e.person_id, 2, 2));
    }
    println!("(personal data masked; --json prints the full record)");
}
