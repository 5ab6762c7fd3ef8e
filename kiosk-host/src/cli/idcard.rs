//! `kiosk idcard …`: the resident ID card module (GA 467) on a serial port.
//!
//! Exit codes: 0 done; 1 a card problem (no card, a card that cannot be selected or read,
//! corrupt answers or card data after the retry); 3 a port problem (cannot open the port,
//! the module is silent or is not a GA 467 module).

use card_io::idcard::{
    self, Failure, IdCardRead, NoLicensedDecoder, ReaderError, WltDecoder, DEFAULT_BAUD,
};
use clap::Subcommand;
use kiosk_core::mask;
use serde_json::{json, Value};

use super::common::fail;

#[derive(Subcommand)]
pub(crate) enum IdcardCmd {
    /// Read the ID card on the module (find, select, read).
    Read {
        /// Serial port of the module, e.g. /dev/ttyUSB0.
        #[arg(long, value_name = "PATH")]
        port: String,
        /// Line speed (8N1).
        #[arg(long, default_value_t = DEFAULT_BAUD)]
        baud: u32,
        /// Print JSON on standard output (full, unmasked record).
        #[arg(long)]
        json: bool,
    },
    /// Module status and module id.
    Status {
        /// Serial port of the module, e.g. /dev/ttyUSB0.
        #[arg(long, value_name = "PATH")]
        port: String,
        /// Line speed (8N1).
        #[arg(long, default_value_t = DEFAULT_BAUD)]
        baud: u32,
        /// Print JSON on standard output.
        #[arg(long)]
        json: bool,
    },
}

/// The exit code of a failed read: 1 for the card, 3 for the module.
fn failed(e: &ReaderError) -> i32 {
    let code = match e.failure() {
        Failure::Card => 1,
        Failure::Device => 3,
    };
    fail(code, e)
}

/// `idcard read --json`: one flat object.
fn read_json(card: &IdCardRead) -> Value {
    let t = &card.text;
    json!({
        "name": t.name,
        "sex": t.sex.as_str(),
        "ethnicity_code": t.ethnicity_code,
        "ethnicity": t.ethnicity(),
        "birth_date": t.birth_date.to_string(),
        "address": t.address,
        "id_number": t.id_number,
        "authority": t.authority,
        "valid_from": t.valid_from.to_string(),
        "valid_to": t.valid_to.to_string(),
        "photo_wlt_len": card.photo_wlt.len(),
    })
}

fn print_read(card: &IdCardRead) {
    let t = &card.text;
    println!("name:         {}", mask::name(&t.name));
    if t.name.chars().count() == idcard::text::NAME_CHARS {
        println!("              (15 characters: the module's limit; a longer name is cut there)");
    }
    println!("sex:          {} ({})", t.sex.meaning(), t.sex.code());
    println!("ethnicity:    {} ({:02})", t.ethnicity(), t.ethnicity_code);
    println!("birth date:   {}", t.birth_date);
    println!("address:      {}", t.address);
    println!("ID number:    {}", mask::id_number(&t.id_number));
    println!("authority:    {}", t.authority);
    println!("valid:        {} to {}", t.valid_from, t.valid_to);
    let photo = match NoLicensedDecoder.decode(&card.photo_wlt) {
        Ok(p) => format!("{}×{} pixels", p.width, p.height),
        Err(e) => e.to_string(),
    };
    println!("photo:        {} bytes WLT ({photo})", card.photo_wlt.len());
    println!("(personal data masked; --json prints the full record)");
}

pub(crate) fn run(cmd: IdcardCmd) -> i32 {
    match cmd {
        IdcardCmd::Read { port, baud, json } => {
            let card = idcard::open(&port, baud).and_then(|mut r| r.read_card());
            match card {
                Ok(card) if json => {
                    println!("{}", read_json(&card));
                    0
                }
                Ok(card) => {
                    print_read(&card);
                    0
                }
                Err(e) => failed(&e),
            }
        }
        IdcardCmd::Status { port, baud, json } => {
            let status = idcard::open(&port, baud).and_then(|mut r| {
                r.module_status()?;
                r.module_id()
            });
            match status {
                Ok(id) if json => {
                    println!("{}", json!({ "ready": true, "module_id": id.to_string() }));
                    0
                }
                Ok(id) => {
                    println!("module:       ready");
                    println!("module id:    {id}");
                    0
                }
                Err(e) => failed(&e),
            }
        }
    }
}
