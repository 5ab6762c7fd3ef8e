//! The `agency` command: the server and its administration.
//!
//! ```text
//! agency keygen -o /etc/agency/data.key        the data key (personal data sealing)
//! agency ca init --dir /etc/agency/tls --host agency.example --host 10.0.0.5
//! agency migrate                               the schema to the newest version
//! agency enrol --kiosk K1 --csr k1.csr --out k1.crt
//! agency revoke --kiosk K1 / agency kiosks
//! agency staff add li --role front-desk        (the password on standard input)
//! agency import factory-2026-03.csv
//! agency audit verify
//! agency serve
//! agency config check / agency config schema
//! ```
//!
//! Every command but `keygen`, `ca init` and `config` reads `--config` (default
//! `/etc/agency/agency.toml`, or `$AGENCY_CONFIG`).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, Subcommand};
use firmware_config::agency::AgencyConfig;
use firmware_config::{ConfigError, Role};

use crate::crypto::{KeyError, Keys};
use crate::db::audit::CHECKPOINT_EVERY;
use crate::db::{Db, DbError};
use crate::import::{Format, ImportError};
use crate::tls::{self, TlsError};

/// What a command can fail with.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Tls(#[from] TlsError),
    #[error(transparent)]
    Import(#[from] ImportError),
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Usage(String),
    /// The audit chain has problems (they were printed).
    #[error("the audit log does not verify: {0} problem(s)")]
    Audit(usize),
}

#[derive(Debug, Parser)]
#[command(
    name = "agency",
    version,
    about = "The social security card agency: the registry \
    kiosks share, on PostgreSQL, over mutual TLS"
)]
struct Cli {
    /// The configuration file.
    #[arg(long, global = true, env = "AGENCY_CONFIG",
        default_value = firmware_config::agency::DEFAULT_PATH)]
    config: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serves the API (migrates the database first).
    Serve,
    /// Brings the database schema to the newest version.
    Migrate,
    /// Writes a new data key file (64 hex digits, mode 600); never replaces one.
    Keygen {
        #[arg(short, long)]
        out: PathBuf,
    },
    /// The agency's certificate authority.
    Ca {
        #[command(subcommand)]
        command: CaCommand,
    },
    /// Signs a kiosk's certificate and records it (replacing its earlier one).
    Enrol {
        /// The kiosk id: the certificate's CN.
        #[arg(long)]
        kiosk: String,
        /// The kiosk's certificate signing request (PEM), made on the kiosk with its own key.
        #[arg(long, conflicts_with = "new_key", required_unless_present = "new_key")]
        csr: Option<PathBuf>,
        /// FOR TESTS AND DEMOS ONLY: make the kiosk's private key here and write it to this
        /// file (mode 600), instead of signing a CSR made on the kiosk.
        #[arg(long)]
        new_key: Option<PathBuf>,
        /// Where to write the certificate (PEM).
        #[arg(long)]
        out: PathBuf,
        /// Days the certificate is valid.
        #[arg(long, default_value_t = 730)]
        days: i64,
    },
    /// Revokes a kiosk's certificate: its requests are refused at once.
    Revoke {
        #[arg(long)]
        kiosk: String,
    },
    /// Lists the enrolled kiosks.
    Kiosks {
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
    /// Staff accounts.
    Staff {
        #[command(subcommand)]
        command: StaffCommand,
    },
    /// Loads persons and cards (IMPORT.md): every line checked, all or nothing.
    Import {
        file: PathBuf,
        /// The format (default: from the file name, `.csv` or else JSON Lines).
        #[arg(long, value_enum)]
        format: Option<Format>,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// agency.toml.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
}

#[derive(Debug, Subcommand)]
enum CaCommand {
    /// Makes the CA and the server certificate in a new directory.
    Init {
        #[arg(long)]
        dir: PathBuf,
        /// The server's DNS names and IP addresses (default: localhost and 127.0.0.1).
        #[arg(long = "host")]
        hosts: Vec<String>,
        /// Days the server certificate is valid (the CA: twice as long).
        #[arg(long, default_value_t = 1825)]
        days: i64,
    },
}

#[derive(Debug, Subcommand)]
enum StaffCommand {
    /// Adds an account (or replaces its password and roles); the password is read from
    /// standard input (one line).
    Add {
        user: String,
        /// A role (front-desk, archive, technician, supervisor); repeat for several.
        #[arg(long = "role", required = true, value_parser = parse_role)]
        roles: Vec<Role>,
    },
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Recomputes every hash and link of the audit log, chain by chain, and checks every
    /// chain against its head row and the heads the checkpoints recorded.
    Verify {
        /// Only this chain (`kiosk:<id>`, `system`, `staff:<user>`, `v1`).
        #[arg(long)]
        chain: Option<String>,
    },
    /// Records every chain's head in a checkpoint entry now (`agency serve` does it every
    /// minute when a head moved).
    Checkpoint,
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Checks the configuration file and prints every problem.
    Check,
    /// Prints the JSON Schema of agency.toml.
    Schema,
}

fn parse_role(text: &str) -> Result<Role, String> {
    let code = text.replace('-', "_");
    serde_json::from_value(serde_json::Value::String(code)).map_err(|_| {
        format!("{text:?} is not a role: front-desk, archive, technician or supervisor")
    })
}

/// Runs the command line; the exit code says how it went.
pub fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("agency: {e}");
            ExitCode::FAILURE
        }
    }
}

fn runtime(threads: Option<usize>) -> Result<tokio::runtime::Runtime, CliError> {
    let mut b = match threads {
        Some(n) => {
            let mut b = tokio::runtime::Builder::new_multi_thread();
            b.worker_threads(n);
            b
        }
        None => tokio::runtime::Builder::new_current_thread(),
    };
    b.enable_all().build().map_err(|source| CliError::Io {
        what: "cannot start the async runtime".into(),
        source,
    })
}

fn open(config: &AgencyConfig) -> Result<Db, CliError> {
    let keys = Arc::new(Keys::load(Path::new(&config.storage.key_file))?);
    Ok(Db::open(&config.database, keys, config.leases.clone())?)
}

fn run(cli: Cli) -> Result<(), CliError> {
    let config = || AgencyConfig::load(&cli.config);
    match cli.command {
        Command::Keygen { out } => {
            Keys::generate_file(&out)?;
            println!("wrote {}", out.display());
            Ok(())
        }
        Command::Ca {
            command: CaCommand::Init { dir, hosts, days },
        } => {
            let hosts = if hosts.is_empty() {
                vec!["localhost".to_string(), "127.0.0.1".to_string()]
            } else {
                hosts
            };
            let files = tls::ca_init(&dir, &hosts, days)?;
            println!(
                "wrote {}, {}, {} and {}",
                files.ca_cert.display(),
                files.ca_key.display(),
                files.cert.display(),
                files.key.display()
            );
            Ok(())
        }
        Command::Config { command } => match command {
            ConfigCommand::Check => {
                config()?;
                println!("{}: ok", cli.config.display());
                Ok(())
            }
            ConfigCommand::Schema => {
                let schema = firmware_config::agency::json_schema();
                println!(
                    "{}",
                    serde_json::to_string_pretty(&schema).unwrap_or_default()
                );
                Ok(())
            }
        },
        Command::Serve => serve(&config()?),
        Command::Migrate => {
            let config = config()?;
            let db = open(&config)?;
            let applied = runtime(None)?.block_on(db.migrate())?;
            if applied.is_empty() {
                println!("the schema is at version {} already", Db::schema_version());
            } else {
                println!("applied schema versions {applied:?}");
            }
            Ok(())
        }
        Command::Enrol {
            kiosk,
            csr,
            new_key,
            out,
            days,
        } => {
            let config = config()?;
            let ca_key = config.tls.ca_key.as_ref().ok_or_else(|| {
                CliError::Usage(
                    "[tls] ca_key is not set: enrol on the host that holds the CA key".into(),
                )
            })?;
            let ca = tls::Ca::load(Path::new(&config.tls.ca_cert), Path::new(ca_key))?;
            let issued = match (&csr, &new_key) {
                (Some(csr), _) => {
                    let pem = std::fs::read_to_string(csr).map_err(|source| CliError::Io {
                        what: format!("cannot read {}", csr.display()),
                        source,
                    })?;
                    let issued = ca.sign_csr(&pem, &kiosk, days)?;
                    tls::write_cert(&out, &issued.cert_pem)?;
                    issued
                }
                (None, Some(key_path)) => {
                    let (key_pem, issued) = ca.issue_with_new_key(&kiosk, days)?;
                    tls::write_key_and_cert(key_path, &key_pem, &out, &issued.cert_pem)?;
                    issued
                }
                (None, None) => {
                    return Err(CliError::Usage(
                        "give --csr FILE (or --new-key FILE)".into(),
                    ))
                }
            };
            let db = open(&config)?;
            runtime(None)?.block_on(async {
                db.migrate().await?;
                db.enrol(&kiosk, &issued.serial, issued.not_after).await
            })?;
            println!(
                "kiosk {kiosk} enrolled: certificate {} (serial {}, valid until {})",
                out.display(),
                issued.serial,
                issued.not_after.format("%Y-%m-%d")
            );
            Ok(())
        }
        Command::Revoke { kiosk } => {
            let db = open(&config()?)?;
            if runtime(None)?.block_on(db.revoke(&kiosk))? {
                println!("kiosk {kiosk} revoked: its requests are refused from now on");
                Ok(())
            } else {
                Err(CliError::Usage(format!(
                    "kiosk {kiosk} is not enrolled, or is revoked already"
                )))
            }
        }
        Command::Kiosks { json } => {
            let db = open(&config()?)?;
            let kiosks = runtime(None)?.block_on(db.kiosks())?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&kiosks).unwrap_or_default()
                );
            } else {
                for k in kiosks {
                    println!(
                        "{}\tserial {}\tenrolled {}\tvalid until {}\t{}",
                        k.kiosk_id,
                        k.serial,
                        k.enrolled_at.format("%Y-%m-%d %H:%M"),
                        k.not_after.format("%Y-%m-%d"),
                        match k.revoked_at {
                            Some(t) => format!("REVOKED {}", t.format("%Y-%m-%d %H:%M")),
                            None => "active".into(),
                        }
                    );
                }
            }
            Ok(())
        }
        Command::Staff {
            command: StaffCommand::Add { user, roles },
        } => {
            let mut password = zeroize::Zeroizing::new(String::new());
            std::io::stdin()
                .read_to_string(&mut password)
                .map_err(|source| CliError::Io {
                    what: "cannot read the password from standard input".into(),
                    source,
                })?;
            let line =
                zeroize::Zeroizing::new(password.lines().next().unwrap_or_default().to_string());
            let db = open(&config()?)?;
            runtime(None)?.block_on(async {
                db.migrate().await?;
                db.staff_add(&user, &line, &roles).await
            })?;
            println!("staff account {user} saved");
            Ok(())
        }
        Command::Import { file, format } => {
            let db = open(&config()?)?;
            let text = std::fs::read_to_string(&file).map_err(|source| CliError::Io {
                what: format!("cannot read {}", file.display()),
                source,
            })?;
            let format = format.unwrap_or_else(|| Format::of(&file));
            let origin = file.display().to_string();
            let imported = runtime(None)?.block_on(async {
                db.migrate().await?;
                Ok::<_, CliError>(
                    db.import(&origin, &text, format, chrono::Utc::now())
                        .await?,
                )
            })?;
            println!(
                "{origin}: imported {} person(s) and {} card(s)",
                imported.persons, imported.cards
            );
            Ok(())
        }
        Command::Audit {
            command: AuditCommand::Verify { chain },
        } => {
            let db = open(&config()?)?;
            let report = runtime(None)?.block_on(db.verify_audit(chain.as_deref()))?;
            for p in &report.problems {
                println!("{p}");
            }
            if report.ok() {
                println!(
                    "the audit log verifies: {} entries in {} chain(s)",
                    report.entries(),
                    report.chains.len()
                );
                for (name, (entries, head)) in &report.chains {
                    println!(
                        "  {name}: {entries} entries, head {}",
                        head.as_ref()
                            .map(|(s, h)| format!("seq {s} {h}"))
                            .unwrap_or_else(|| "none".into())
                    );
                }
                Ok(())
            } else {
                Err(CliError::Audit(report.problems.len()))
            }
        }
        Command::Audit {
            command: AuditCommand::Checkpoint,
        } => {
            let db = open(&config()?)?;
            match runtime(None)?.block_on(db.audit_checkpoint())? {
                Some(seq) => println!("checkpoint written: chain system seq {seq}"),
                None => println!("no head moved since the last checkpoint"),
            }
            Ok(())
        }
    }
}

fn serve(config: &AgencyConfig) -> Result<(), CliError> {
    let db = open(config)?;
    let tls = tls::server_config(&config.tls)?;
    let addr = config
        .listen_addr()
        .ok_or_else(|| CliError::Usage("[agency] listen is not an address".into()))?;
    let deadline = Duration::from_millis(
        u64::from(config.database.connect_timeout_ms)
            + 2 * u64::from(config.database.statement_timeout_ms),
    );
    let rt = runtime(Some(
        std::thread::available_parallelism().map_or(2, |n| n.get()),
    ))?;
    rt.block_on(async move {
        let applied = db.migrate().await?;
        if !applied.is_empty() {
            log::info!("applied schema versions {applied:?}");
        }
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| CliError::Io {
                what: format!("cannot listen on {addr}"),
                source,
            })?;
        let local = listener.local_addr().map_err(|source| CliError::Io {
            what: "no local address".into(),
            source,
        })?;
        // The tests and scripts read this line to learn the port (with `listen = ":0"`).
        println!("agency listening on https://{local}");
        let db_for_checkpoints = db.clone();
        let state = Arc::new(crate::api::AppState {
            db,
            deadline,
            max_body: config.agency.max_body_bytes as usize,
        });
        let app = crate::api::router(state);
        let checkpoints = tokio::spawn(checkpoints(db_for_checkpoints));
        crate::server::serve(listener, tls, app, shutdown_signal()).await;
        checkpoints.abort();
        log::info!("stopped");
        Ok(())
    })
}

/// Records the audit chains' heads every [`CHECKPOINT_EVERY`] (when one moved).
async fn checkpoints(db: Db) {
    let mut every = tokio::time::interval(CHECKPOINT_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        match db.audit_checkpoint().await {
            Ok(Some(seq)) => log::debug!("audit checkpoint at seq {seq} of chain system"),
            Ok(None) => {}
            Err(e) => log::warn!("audit checkpoint: {e}"),
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
