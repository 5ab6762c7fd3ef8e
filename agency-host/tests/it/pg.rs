//! A throwaway PostgreSQL cluster for this test binary (the same steps as scripts/pg.sh):
//! made on first use in a temporary directory, one fresh database per test, stopped by its
//! data directory when the test process ends (a watcher process waits for it to exit).
//! A test that stops PostgreSQL under a serving agency (`fleet`) starts a cluster of its own
//! and stops and starts it by its data directory ([`Cluster::stop`], [`Cluster::start_again`]).
//!
//! PostgreSQL refuses to run as root: as root, the cluster is made and run as `postgres`.
//! Nothing is skipped: without PostgreSQL 15's binaries the tests fail saying how to install
//! them.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

pub const PG_BIN: &str = "/usr/lib/postgresql/15/bin";

pub struct Cluster {
    pub dir: PathBuf,
    pub port: u16,
    /// `pg_ctl start`'s server options, to start it again after [`Cluster::stop`].
    opts: String,
}

#[allow(
    unsafe_code,
    reason = "geteuid: libc's only way to read the effective user"
)]
fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// `program args…`, as `postgres` when this process is root.
pub fn as_postgres(program: &str, args: &[&str]) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--", program]).args(args);
        c
    } else {
        let mut c = Command::new(program);
        c.args(args);
        c
    }
}

fn run(mut c: Command, what: &str) -> String {
    let out = c
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Cluster {
    /// A new cluster. `durable`: with PostgreSQL's defaults (fsync and synchronous commit,
    /// for benchmarks); otherwise without them (tests: faster, and nothing outlives them).
    pub fn start(durable: bool) -> Cluster {
        Cluster::start_with(durable, &[])
    }

    /// A new cluster with settings of its own (`name=value`, each passed as `-c`) after the
    /// others: the benchmark's production settings.
    pub fn start_with(durable: bool, settings: &[String]) -> Cluster {
        let initdb = format!("{PG_BIN}/initdb");
        assert!(
            Path::new(&initdb).exists(),
            "PostgreSQL 15 is not installed ({initdb} is missing): install it with \
             `apt-get install postgresql` (scripts/lib.sh lists it in PACKAGES)"
        );
        let dir = std::env::temp_dir().join(format!(
            "agency-pg-{}-{:08x}",
            std::process::id(),
            rand::random::<u32>()
        ));
        std::fs::create_dir_all(&dir).expect("cluster directory");
        if is_root() {
            run(
                {
                    let mut c = Command::new("chown");
                    c.arg("postgres:").arg(&dir);
                    c
                },
                "chown",
            );
        }
        let data = dir.join("data");
        let data_s = data.to_string_lossy().into_owned();
        let dir_s = dir.to_string_lossy().into_owned();
        run(
            as_postgres(
                &initdb,
                &["-D", &data_s, "-A", "trust", "-U", "kiosk", "--no-sync"],
            ),
            "initdb",
        );
        let port = free_port();
        let log = format!("{dir_s}/postgres.log");
        let mut opts =
            format!("-p {port} -k {dir_s} -c listen_addresses=127.0.0.1 -c max_connections=300");
        if !durable {
            opts.push_str(" -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
        }
        for setting in settings {
            opts.push_str(&format!(" -c {setting}"));
        }
        run(
            as_postgres(
                &format!("{PG_BIN}/pg_ctl"),
                &["-D", &data_s, "-w", "-l", &log, "-o", &opts, "start"],
            ),
            "pg_ctl start",
        );
        // Stopped by its data directory once this test process has ended, whatever way.
        let watcher = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 1; done; \
             {stop} -D '{data_s}' -m immediate -w stop >/dev/null 2>&1; rm -rf '{dir_s}'",
            pid = std::process::id(),
            stop = if is_root() {
                format!("runuser -u postgres -- {PG_BIN}/pg_ctl")
            } else {
                format!("{PG_BIN}/pg_ctl")
            },
        );
        // `setsid -f` forks the watcher into its own session and returns at once.
        let started = Command::new("setsid")
            .args(["-f", "sh", "-c", &watcher])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("the cluster's watcher");
        assert!(started.success(), "the cluster's watcher did not start");
        Cluster { dir, port, opts }
    }

    /// Stops the server by its data directory (`pg_ctl stop -m fast`: open connections are
    /// cut), leaving the cluster on disk for [`Cluster::start_again`].
    pub fn stop(&self) {
        let data = self.data().to_string_lossy().into_owned();
        run(
            as_postgres(
                &format!("{PG_BIN}/pg_ctl"),
                &["-D", &data, "-m", "fast", "-w", "stop"],
            ),
            "pg_ctl stop",
        );
    }

    /// Starts the stopped server again on the same data directory, port and options.
    pub fn start_again(&self) {
        let data = self.data().to_string_lossy().into_owned();
        let log = self.dir.join("postgres.log").to_string_lossy().into_owned();
        run(
            as_postgres(
                &format!("{PG_BIN}/pg_ctl"),
                &["-D", &data, "-w", "-l", &log, "-o", &self.opts, "start"],
            ),
            "pg_ctl start",
        );
    }

    /// A connection string for `dbname` in this cluster.
    pub fn url(&self, dbname: &str) -> String {
        format!(
            "host={} port={} user=kiosk dbname={dbname}",
            self.dir.display(),
            self.port
        )
    }

    /// A new, empty database.
    pub fn database(&self) -> String {
        static N: AtomicU32 = AtomicU32::new(0);
        let name = format!("t{}", N.fetch_add(1, Ordering::Relaxed));
        self.psql("postgres", &format!("CREATE DATABASE {name}"));
        name
    }

    /// Runs SQL with psql (as the cluster's superuser `kiosk`); its output, unaligned.
    pub fn psql(&self, dbname: &str, sql: &str) -> String {
        let mut c = Command::new(format!("{PG_BIN}/psql"));
        c.args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"])
            .arg("-h")
            .arg(&self.dir)
            .arg("-p")
            .arg(self.port.to_string())
            .args(["-U", "kiosk", "-d", dbname, "-c", sql]);
        run(c, &format!("psql {sql:?}"))
    }

    /// The data directory (for searching the raw files).
    pub fn data(&self) -> PathBuf {
        self.dir.join("data")
    }
}

/// This test binary's cluster.
pub fn cluster() -> &'static Cluster {
    static CLUSTER: OnceLock<Cluster> = OnceLock::new();
    CLUSTER.get_or_init(|| Cluster::start(false))
}
