//! `hw-sim`: attaches the simulated card (and PSAM) to pcscd's vpcd driver.
//!
//! ```text
//! hw-sim vpcd --card hw-sim/cards/v3-uyghur.toml [--psam] [--card-port 35963]
//!             [--psam-port 35964] [--transport t0|t1]
//!             [--t0-warnings after-data|held|held-6c]
//! ```
//!
//! Control commands on stdin, one per line: `remove`, `insert`, `insert PATH`, `quit`.
//! End of stdin does not stop it: it runs until `quit` or a signal.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use hw_sim::vpcd::{VPCD_PORT_SLOT0, VPCD_PORT_SLOT1};
use hw_sim::{CardOs, PsamOptions, PsamOs, SimDevice, SimError, T0Warnings, Transport, VpcdBridge};

#[derive(Parser)]
#[command(
    name = "hw-sim",
    about = "Simulated social security card and PSAM for the kiosk",
    version
)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Attach the card (slot 0) and optionally the PSAM (slot 1) to pcscd's vpcd driver.
    Vpcd {
        /// Card file (TOML personalisation).
        #[arg(long)]
        card: PathBuf,
        /// Also attach the PSAM.
        #[arg(long)]
        psam: bool,
        #[arg(long, default_value_t = VPCD_PORT_SLOT0)]
        card_port: u16,
        #[arg(long, default_value_t = VPCD_PORT_SLOT1)]
        psam_port: u16,
        /// Transport of the card and the PSAM (overrides the card file).
        #[arg(long, value_enum)]
        transport: Option<TransportArg>,
        /// How a T=0 card frames a warning with data, e.g. SELECT of a temporarily blocked
        /// application (overrides the card file): `after-data` (61 xx, then the data with
        /// 62 83), `held` (62 83, the data held for GET RESPONSE), `held-6c` (as `held`, with
        /// 6C xx inside the GET RESPONSE).
        #[arg(long, value_enum)]
        t0_warnings: Option<T0WarningsArg>,
    },
    /// The resident ID card module (GA 467) on a pseudo-terminal.
    Idcard(hw_sim::idcard::cli::IdcardArgs),
    /// The e-card QR scanner on a pseudo-terminal.
    Qr(hw_sim::qr::cli::QrArgs),
    /// The ESC/POS receipt printer on a pseudo-terminal.
    Printer(hw_sim::printer::cli::PrinterArgs),
    /// One frame of the simulated camera, written to a PNG file.
    Camera {
        /// good, cluttered, studio-backdrop, too-far, too-close, off-centre, two-faces, no-face.
        #[arg(long, default_value = "good")]
        scene: String,
        /// Frame size, WIDTHxHEIGHT.
        #[arg(long, default_value = "1280x720")]
        resolution: String,
        /// Where to write the frame (PNG).
        #[arg(short, long)]
        output: PathBuf,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum TransportArg {
    T0,
    T1,
}

impl From<TransportArg> for Transport {
    fn from(t: TransportArg) -> Transport {
        match t {
            TransportArg::T0 => Transport::T0,
            TransportArg::T1 => Transport::T1,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum T0WarningsArg {
    AfterData,
    Held,
    #[value(name = "held-6c")]
    Held6c,
}

impl From<T0WarningsArg> for T0Warnings {
    fn from(w: T0WarningsArg) -> T0Warnings {
        match w {
            T0WarningsArg::AfterData => T0Warnings::AfterData,
            T0WarningsArg::Held => T0Warnings::Held,
            T0WarningsArg::Held6c => T0Warnings::HeldWrongLe,
        }
    }
}

/// Settings given on the command line, over every card file loaded.
#[derive(Clone, Copy, Default)]
struct Overrides {
    transport: Option<Transport>,
    t0_warnings: Option<T0Warnings>,
}

fn load_card(path: &Path, overrides: Overrides) -> Result<CardOs, SimError> {
    let mut card = CardOs::from_file(path)?;
    if let Some(t) = overrides.transport {
        card.settings_mut().transport = t;
    }
    if let Some(w) = overrides.t0_warnings {
        card.settings_mut().t0_warnings = w;
    }
    Ok(card)
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    // stdout closed (daemon without a terminal): nothing to report to.
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

fn describe_card(card: &CardOs, path: &Path) -> String {
    let s = card.settings();
    let framing = match s.transport {
        Transport::T0 => format!(", T=0 warnings {}", s.t0_warnings.name()),
        Transport::T1 => String::new(),
    };
    format!(
        "{}, ATR {}, spec {}, {}, {:?}{framing}",
        file_name(path),
        hex::encode_upper(card.atr()),
        s.spec_version,
        s.algorithm,
        s.transport
    )
}

enum Control {
    Remove,
    Insert(Option<PathBuf>),
    Quit,
}

/// A control line of `hw-sim vpcd`.
fn parse_control(line: &str) -> Result<Option<Control>, String> {
    let line = line.trim();
    Ok(Some(match line.split_once(char::is_whitespace) {
        _ if line.is_empty() => return Ok(None),
        None if line == "remove" => Control::Remove,
        None if line == "insert" => Control::Insert(None),
        None if line == "quit" || line == "exit" => Control::Quit,
        Some(("insert", path)) => Control::Insert(Some(PathBuf::from(path.trim()))),
        _ => {
            return Err(format!(
                "unknown command {line:?} (remove, insert [PATH], quit)"
            ))
        }
    }))
}

fn vpcd(
    card_path: &Path,
    psam: bool,
    card_port: u16,
    psam_port: u16,
    overrides: Overrides,
) -> Result<(), SimError> {
    let card = load_card(card_path, overrides)?;
    let psam_dev = if psam {
        let mut options = PsamOptions::default();
        if let Some(t) = overrides.transport {
            options.transport = t;
        }
        Some(PsamOs::new(options)?)
    } else {
        None
    };
    let description = describe_card(&card, card_path);
    let card_bridge = VpcdBridge::start(card_port, Box::new(card));
    say(&format!(
        "card attached: vpcd 127.0.0.1:{card_port} ({description})"
    ));
    let _psam_bridge = psam_dev.map(|p| {
        let atr = hex::encode_upper(p.atr());
        let bridge = VpcdBridge::start(psam_port, Box::new(p));
        say(&format!(
            "psam attached: vpcd 127.0.0.1:{psam_port} (ATR {atr})"
        ));
        bridge
    });

    let control = hw_sim::control::from_stdin(parse_control)?;
    let mut current = card_path.to_path_buf();
    while let Some(msg) = control.next() {
        match msg {
            Control::Quit => break,
            Control::Remove => {
                card_bridge.remove();
                say(&format!("card removed ({})", file_name(&current)));
            }
            Control::Insert(None) => {
                card_bridge.insert();
                say(&format!("card inserted ({})", file_name(&current)));
            }
            Control::Insert(Some(path)) => match load_card(&path, overrides) {
                Ok(card) => {
                    let description = describe_card(&card, &path);
                    card_bridge.replace(Box::new(card));
                    card_bridge.insert();
                    current = path;
                    say(&format!("card inserted ({description})"));
                }
                Err(e) => eprintln!("hw-sim: {e}"),
            },
        }
    }
    card_bridge.stop();
    say("stopped");
    Ok(())
}

/// `hw-sim camera`: writes one frame of a scene.
fn camera_frame(scene: &str, resolution: &str, output: &Path) -> Result<(), String> {
    use card_io::camera::{FrameSource, Resolution};
    let names: Vec<&str> = hw_sim::camera::Scene::ALL
        .iter()
        .map(|s| s.name())
        .collect();
    let scene = hw_sim::camera::Scene::from_name(scene)
        .ok_or_else(|| format!("unknown scene {scene:?}; one of: {}", names.join(", ")))?;
    let (w, h) = resolution
        .split_once('x')
        .and_then(|(w, h)| Some((w.parse::<u32>().ok()?, h.parse::<u32>().ok()?)))
        .filter(|(w, h)| (320..=7680).contains(w) && (240..=4320).contains(h))
        .ok_or_else(|| {
            format!(
                "resolution {resolution:?}: expected WIDTHxHEIGHT between 320x240 and 7680x4320"
            )
        })?;
    let mut camera = hw_sim::camera::SimCamera::new(
        scene,
        Resolution {
            width: w,
            height: h,
        },
    )
    .map_err(|e| e.to_string())?;
    let frame = camera.frame().map_err(|e| e.to_string())?;
    frame
        .save_with_format(output, image::ImageFormat::Png)
        .map_err(|e| format!("{}: {e}", output.display()))?;
    say(&format!(
        "{} ({w}x{h}) written to {}",
        scene.name(),
        output.display()
    ));
    Ok(())
}

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    let cli = Cli::parse();
    let result = match cli.command {
        Cmd::Vpcd {
            card,
            psam,
            card_port,
            psam_port,
            transport,
            t0_warnings,
        } => vpcd(
            &card,
            psam,
            card_port,
            psam_port,
            Overrides {
                transport: transport.map(Transport::from),
                t0_warnings: t0_warnings.map(T0Warnings::from),
            },
        )
        .map_err(|e| e.to_string()),
        Cmd::Idcard(args) => hw_sim::idcard::cli::run(args).map_err(|e| e.to_string()),
        Cmd::Qr(args) => hw_sim::qr::cli::run(args).map_err(|e| e.to_string()),
        Cmd::Printer(args) => hw_sim::printer::cli::run(args).map_err(|e| e.to_string()),
        Cmd::Camera {
            scene,
            resolution,
            output,
        } => camera_frame(&scene, &resolution, &output),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("hw-sim: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t0_warnings_on_the_command_line_override_the_card_file() {
        let cli = Cli::try_parse_from([
            "hw-sim",
            "vpcd",
            "--card",
            "cards/v3-uyghur.toml",
            "--transport",
            "t0",
            "--t0-warnings",
            "held-6c",
        ])
        .expect("valid command line");
        let Cmd::Vpcd {
            card,
            transport,
            t0_warnings,
            ..
        } = cli.command
        else {
            panic!("not the vpcd command");
        };
        let overrides = Overrides {
            transport: transport.map(Transport::from),
            t0_warnings: t0_warnings.map(T0Warnings::from),
        };
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(card);
        let loaded = load_card(&path, overrides).expect("card file");
        assert_eq!(loaded.settings().transport, Transport::T0);
        assert_eq!(loaded.settings().t0_warnings, T0Warnings::HeldWrongLe);
        assert!(describe_card(&loaded, &path).ends_with("T0, T=0 warnings held-6c"));
        assert!(
            Cli::try_parse_from(["hw-sim", "vpcd", "--card", "x", "--t0-warnings", "6c"]).is_err()
        );
    }
}
