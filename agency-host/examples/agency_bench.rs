//! The agency alone under load: lookups by ID number over a registry of many persons, and
//! commits from many concurrent HTTPS clients (each its own kiosk certificate and
//! connection), against `agency serve` on a durable throwaway PostgreSQL cluster (fsync and
//! synchronous commit on, as in production).
//!
//! ```text
//! cargo build --release -p agency-host --bins --examples
//! target/release/examples/agency_bench [--persons 1000000] [--clients 10,50,200] [--seconds 10]
//!     [--rate 500] [--pool 32] [--pg name=value,name=value]
//! ```
//!
//! Commits run in two modes, each at every N of `--clients`:
//! - closed loop: each kiosk sends its next commit as soon as the last one returns, so the
//!   figures are the agency's most (N kiosks that never pause);
//! - open loop (`--rate R`, 0 = none): R commits per second in all, spread evenly over the N
//!   kiosks (each sends one every N/R s, the kiosks' start times staggered), as real kiosks
//!   do (one commit each every few minutes, thousands of kiosks). Latency is measured from
//!   the time a commit was *due*, so a kiosk held up by a slow answer counts its waiting too.
//!
//! It prints, per phase: requests per second, p50/p99 latency seen by the clients, and the
//! CPU seconds of PostgreSQL (every process of the cluster), of the agency and of the
//! clients — PostgreSQL's share is its part of the server side (PostgreSQL + agency). Each
//! client is one simulated kiosk (its own certificate and connection, opened before the phase
//! starts, as a kiosk keeps its connection open; the handshakes are timed apart). Last, the same commit
//! on a standalone kiosk (its own SQLCipher store, one citizen at a time), so that the
//! agency's cost is a ratio. `scripts/bench.sh agency` runs it with the defaults.

#[allow(dead_code, reason = "the bench uses part of the test cluster helper")]
#[path = "../tests/it/pg.rs"]
mod pg;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use serde_json::json;

use kiosk_core::domain::{Actor, BusinessCode, CardState, Case, Outcome};
use kiosk_core::store::{Change, Commit};

struct Args {
    persons: u32,
    clients: Vec<usize>,
    seconds: u64,
    lookup_clients: usize,
    /// Offered commits per second in all of the open-loop phases (0: none).
    rate: f64,
    /// Cards in the standalone kiosk's store.
    standalone_cards: u32,
    /// The agency's `[database] pool_size`.
    pool: u32,
    /// PostgreSQL settings (`name=value`) on top of the defaults.
    pg: Vec<String>,
}

fn args() -> Args {
    let mut a = Args {
        persons: 1_000_000,
        clients: vec![10, 50, 200],
        seconds: 10,
        lookup_clients: 10,
        rate: 500.0,
        standalone_cards: 10_000,
        pool: 32,
        pg: Vec::new(),
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < argv.len() {
        let value = argv.get(i + 1).cloned().unwrap_or_default();
        match argv[i].as_str() {
            "--persons" => a.persons = value.parse().expect("--persons N"),
            "--clients" => {
                a.clients = value
                    .split(',')
                    .map(|n| n.parse().expect("--clients N,N,…"))
                    .collect()
            }
            "--seconds" => a.seconds = value.parse().expect("--seconds N"),
            "--rate" => a.rate = value.parse().expect("--rate R"),
            "--pool" => a.pool = value.parse().expect("--pool N"),
            "--pg" => a.pg = value.split(',').map(str::to_string).collect(),
            "--lookup-clients" => a.lookup_clients = value.parse().expect("--lookup-clients N"),
            "--standalone-cards" => {
                a.standalone_cards = value.parse().expect("--standalone-cards N")
            }
            other => panic!("unknown argument {other}"),
        }
        i += 2;
    }
    a
}

/// The ID number of person `n` (valid GB 11643 check character).
fn id_number(n: u32) -> String {
    // region (6 digits), birth date, sequence (3 digits): unique below 10 000 000
    let first17 = format!("65{:04}19800101{:03}", (n / 1000) % 10_000, n % 1000);
    let check = card_io::citizen::check_char(first17.as_bytes()).expect("17 digits");
    format!("{first17}{check}")
}

fn card_number(n: u32) -> String {
    format!("B{n:08}")
}

fn agency_bin() -> PathBuf {
    let exe = std::env::current_exe().expect("own path");
    // target/<profile>/examples/agency_bench → target/<profile>/agency
    let bin = exe
        .parent()
        .and_then(Path::parent)
        .map(|d| d.join("agency"))
        .expect("target dir");
    assert!(
        bin.exists(),
        "{} is missing: cargo build --release -p agency-host --bins --examples",
        bin.display()
    );
    bin
}

fn agency(config: &Path, args: &[&str]) -> String {
    let out = Command::new(agency_bin())
        .arg("--config")
        .arg(config)
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("agency runs");
    assert!(
        out.status.success(),
        "agency {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// CPU seconds (user + system) of a process.
fn cpu_s(pid: u32) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    let Some(after) = stat.rfind(')').map(|i| &stat[i + 2..]) else {
        return 0.0;
    };
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = f.get(11).and_then(|u| u.parse::<f64>().ok()).unwrap_or(0.0)
        + f.get(12).and_then(|s| s.parse::<f64>().ok()).unwrap_or(0.0);
    ticks / clock_ticks_per_s()
}

/// The kernel's clock ticks per second, the unit of /proc/PID/stat's times.
#[allow(unsafe_code, reason = "sysconf: libc's only way to read _SC_CLK_TCK")]
fn clock_ticks_per_s() -> f64 {
    // SAFETY: sysconf has no preconditions.
    unsafe { libc::sysconf(libc::_SC_CLK_TCK) as f64 }
}

/// CPU seconds of the postmaster and every process it started (exited backends included in
/// the postmaster's children's time once reaped).
fn cluster_cpu_s(postmaster: u32) -> f64 {
    let mut total = cpu_s(postmaster);
    // the children's time of those that exited (cutime, cstime)
    if let Ok(stat) = std::fs::read_to_string(format!("/proc/{postmaster}/stat")) {
        if let Some(after) = stat.rfind(')').map(|i| &stat[i + 2..]) {
            let f: Vec<&str> = after.split_whitespace().collect();
            let hz = clock_ticks_per_s();
            total += (f.get(13).and_then(|u| u.parse::<f64>().ok()).unwrap_or(0.0)
                + f.get(14).and_then(|s| s.parse::<f64>().ok()).unwrap_or(0.0))
                / hz;
        }
    }
    if let Ok(dir) = std::fs::read_dir("/proc") {
        for e in dir.flatten() {
            let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                continue;
            };
            let Some(after) = stat.rfind(')').map(|i| &stat[i + 2..]) else {
                continue;
            };
            let ppid = after
                .split_whitespace()
                .nth(1)
                .and_then(|p| p.parse::<u32>().ok());
            if ppid == Some(postmaster) {
                total += cpu_s(pid);
            }
        }
    }
    total
}

struct Cpu {
    pg: f64,
    agency: f64,
    me: f64,
}

fn cpu(postmaster: u32, agency_pid: u32) -> Cpu {
    Cpu {
        pg: cluster_cpu_s(postmaster),
        agency: cpu_s(agency_pid),
        me: cpu_s(std::process::id()),
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

struct Phase {
    name: String,
    requests: usize,
    errors: usize,
    wall: f64,
    lat: Vec<Duration>,
    pg_s: f64,
    agency_s: f64,
    clients_s: f64,
}

impl Phase {
    fn print(&mut self) {
        self.lat.sort();
        let server = self.pg_s + self.agency_s;
        println!(
            "{:<28} {:>8} req {:>5} err {:>9.1}/s  p50 {:>7.2} ms  p99 {:>7.2} ms  cpu s: \
             postgres {:>6.1} agency {:>6.1} clients {:>6.1}  postgres share {:>4.0}%",
            self.name,
            self.requests,
            self.errors,
            self.requests as f64 / self.wall,
            percentile(&self.lat, 0.50),
            percentile(&self.lat, 0.99),
            self.pg_s,
            self.agency_s,
            self.clients_s,
            if server > 0.0 {
                100.0 * self.pg_s / server
            } else {
                0.0
            }
        );
    }
}

/// The commit of the commit phases: a whole case (opened and closed) that moves one card
/// between active and temporarily lost, `back` the other way.
fn case_commit(case_id: &str, card: u32, back: bool) -> Commit {
    let (from, to) = if back {
        (CardState::LostTemporary, CardState::Active)
    } else {
        (CardState::Active, CardState::LostTemporary)
    };
    let now = chrono::Utc::now();
    let mut c = Commit::new(Actor::Citizen(case_id.to_string()), now);
    c.case = Some(Case {
        case_id: case_id.to_string(),
        business: BusinessCode::ReportLoss,
        id_number: Some(id_number(card)),
        agent_id_number: None,
        started_at: now,
        finished_at: Some(now),
        outcome: Some(Outcome::Completed),
        deadline: None,
        summary: "bench".into(),
    });
    c.changes.push(Change::SetCardState {
        card_number: card_number(card),
        from,
        to,
    });
    c
}

/// The same business on a standalone kiosk: [`case_commit`] on the kiosk's own SQLCipher
/// store (a file in a temporary directory, as durable as the kiosk's), by one client — a
/// kiosk serves one citizen at a time — over `cards` persons with a card each, filled first.
fn standalone_phase(seconds: u64, cards: u32) -> Phase {
    use kiosk_core::domain::{CardRecord, Person, Sex};
    use kiosk_core::store::Registry;
    use kiosk_store::sqlite::{DbKey, SqliteStore};
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SqliteStore::open(&dir.path().join("kiosk.db"), &DbKey::from_bytes([0x5a; 32]))
        .expect("kiosk database");
    let date = |y| chrono::NaiveDate::from_ymd_opt(y, 1, 1);
    let mut first = 1;
    while first <= cards {
        let last = (first + 999).min(cards);
        let mut fill = Commit::new(Actor::System, chrono::Utc::now());
        for n in first..=last {
            fill.changes.push(Change::UpsertPerson(Person {
                id_number: id_number(n),
                name: format!("测试{n}"),
                sex: Sex::Male,
                ethnicity: 1,
                birth_date: date(1980).expect("date"),
                address: "新疆昌吉市".into(),
                address_division: None,
                phone: None,
                photo_sha256: None,
            }));
            fill.changes.push(Change::AddCard(CardRecord {
                card_number: card_number(n),
                id_number: id_number(n),
                chip_serial: Some(format!("{:016X}", 0x8600_0000_0000_0000u64 + u64::from(n))),
                state: CardState::Active,
                issue_date: date(2020),
                expiry_date: date(2030),
                state_since: chrono::Utc::now(),
                reissue_batch: None,
                replacement_requested: false,
            }));
        }
        store.commit(&fill).expect("fill the standalone store");
        first = last + 1;
    }
    let mut lat = Vec::new();
    let mut errors = 0;
    let start = Instant::now();
    let mut iter = 0u64;
    while start.elapsed() < Duration::from_secs(seconds) {
        let span = u64::from(cards);
        let card = 1 + (iter % span) as u32;
        let back = (iter / span) % 2 == 1;
        let commit = case_commit(&format!("S0-20260101-{iter:06}"), card, back);
        let t = Instant::now();
        match store.commit(&commit) {
            Ok(_) => lat.push(t.elapsed()),
            Err(e) => {
                if errors < 3 {
                    eprintln!("standalone: {e}");
                }
                errors += 1;
            }
        }
        iter += 1;
    }
    Phase {
        name: "standalone kiosk, SQLite".into(),
        requests: lat.len(),
        errors,
        wall: start.elapsed().as_secs_f64(),
        lat,
        pg_s: 0.0,
        agency_s: 0.0,
        clients_s: 0.0,
    }
}

/// One request of a client: `(its agent, client index, iteration)`.
type Work = Arc<dyn Fn(&ureq::Agent, usize, u64) -> Result<(), String> + Send + Sync>;

/// Runs `work(client index, iteration)` on `clients` threads for `seconds`: closed loop
/// (`every` None: each client's next request when its last returns), or open loop (each
/// client one request every `every`, the clients' first ones spread over one `every`;
/// latency from the time a request was due).
fn run_phase(
    name: &str,
    clients: Vec<ureq::Agent>,
    seconds: u64,
    ids: (u32, u32),
    every: Option<Duration>,
    work: Work,
) -> Phase {
    let count = clients.len().max(1) as u32;
    let (postmaster, agency_pid) = ids;
    let stop = Arc::new(AtomicBool::new(false));
    let barrier = Arc::new(Barrier::new(clients.len() + 1));
    let handles: Vec<_> = clients
        .into_iter()
        .enumerate()
        .map(|(i, agent)| {
            let (stop, barrier, work) = (stop.clone(), barrier.clone(), work.clone());
            std::thread::spawn(move || {
                let mut lat = Vec::new();
                let mut errors = 0usize;
                barrier.wait();
                let end = Instant::now() + Duration::from_secs(seconds);
                let mut n = 0u64;
                let mut due = every.map(|e| Instant::now() + e * i as u32 / count);
                while !stop.load(Ordering::Relaxed) {
                    let t = match (&mut due, every) {
                        (Some(due), Some(every)) => {
                            let at = *due;
                            *due += every;
                            // Only the requests due within the phase: a client does not
                            // sleep past its end (the phase's wall time stays its length).
                            if at >= end {
                                break;
                            }
                            if let Some(wait) = at.checked_duration_since(Instant::now()) {
                                std::thread::sleep(wait);
                            }
                            if stop.load(Ordering::Relaxed) {
                                break;
                            }
                            at
                        }
                        _ => Instant::now(),
                    };
                    match work(&agent, i, n) {
                        Ok(()) => lat.push(t.elapsed()),
                        Err(e) => {
                            if errors < 3 {
                                eprintln!("client {i}: {e}");
                            }
                            errors += 1;
                        }
                    }
                    n += 1;
                }
                (lat, errors)
            })
        })
        .collect();
    barrier.wait();
    let before = cpu(postmaster, agency_pid);
    let start = Instant::now();
    std::thread::sleep(Duration::from_secs(seconds));
    stop.store(true, Ordering::Relaxed);
    let mut lat = Vec::new();
    let mut errors = 0;
    for h in handles {
        let (l, e) = h.join().expect("client thread");
        lat.extend(l);
        errors += e;
    }
    let wall = start.elapsed().as_secs_f64();
    let after = cpu(postmaster, agency_pid);
    Phase {
        name: name.to_string(),
        requests: lat.len(),
        errors,
        wall,
        lat,
        pg_s: after.pg - before.pg,
        agency_s: after.agency - before.agency,
        clients_s: after.me - before.me,
    }
}

fn main() {
    let args = args();
    let cluster = pg::Cluster::start_with(true, &args.pg);
    println!(
        "PostgreSQL settings: {}; agency pool {}",
        if args.pg.is_empty() {
            "defaults".to_string()
        } else {
            args.pg.join(", ")
        },
        args.pool
    );
    let db = "bench";
    cluster.psql("postgres", &format!("CREATE DATABASE {db}"));
    let postmaster: u32 = std::fs::read_to_string(cluster.dir.join("data/postmaster.pid"))
        .ok()
        .and_then(|t| t.lines().next().and_then(|l| l.trim().parse().ok()))
        .expect("postmaster pid");
    let dir = tempfile::tempdir().expect("temp dir");
    let p = |n: &str| dir.path().join(n).display().to_string();
    let config = dir.path().join("agency.toml");
    std::fs::write(
        &config,
        format!(
            "[agency]\nlisten = \"127.0.0.1:0\"\n[database]\nurl = \"{}\"\npool_size = {}\n\
             [storage]\nkey_file = \"{}\"\n[tls]\nca_cert = \"{}\"\nca_key = \"{}\"\n\
             cert = \"{}\"\nkey = \"{}\"\n",
            cluster.url(db),
            args.pool,
            p("data.key"),
            p("tls/ca.crt"),
            p("tls/ca.key"),
            p("tls/server.crt"),
            p("tls/server.key")
        ),
    )
    .expect("config");
    agency(&config, &["keygen", "-o", &p("data.key")]);
    agency(&config, &["ca", "init", "--dir", &p("tls")]);
    agency(&config, &["migrate"]);

    // The registry: persons with one active card each, imported 100 000 lines at a time.
    let t = Instant::now();
    let chunk = 100_000u32;
    let mut start = 1u32;
    while start <= args.persons {
        let end = (start + chunk - 1).min(args.persons);
        let file = dir.path().join("fill.jsonl");
        let mut out = std::io::BufWriter::new(std::fs::File::create(&file).expect("fill file"));
        for n in start..=end {
            let id = id_number(n);
            writeln!(
                out,
                "{{\"kind\":\"person\",\"id_number\":\"{id}\",\"name\":\"测试{n}\",\
                 \"ethnicity\":1,\"address\":\"新疆昌吉市\",\"phone\":\"13900000000\"}}\n\
                 {{\"kind\":\"card\",\"card_number\":\"{}\",\"chip_serial\":\"{:016X}\",\
                 \"id_number\":\"{id}\",\"name\":\"测试{n}\",\"issue_date\":\"2020-01-01\",\
                 \"expiry_date\":\"2030-01-01\",\"state\":\"active\",\"generation\":3}}",
                card_number(n),
                0x8600_0000_0000_0000u64 + u64::from(n)
            )
            .expect("fill line");
        }
        out.flush().expect("fill file");
        drop(out);
        agency(&config, &["import", &file.display().to_string()]);
        start = end + 1;
    }
    cluster.psql(db, "VACUUM ANALYZE");
    println!(
        "registry: {} persons and cards imported in {:.0} s",
        args.persons,
        t.elapsed().as_secs_f64()
    );

    let max_clients = args
        .clients
        .iter()
        .copied()
        .max()
        .unwrap_or(1)
        .max(args.lookup_clients);
    let mut kiosks = Vec::new();
    for i in 0..max_clients {
        let id = format!("B{i}");
        let key = p(&format!("{id}.key"));
        let cert = p(&format!("{id}.crt"));
        agency(
            &config,
            &["enrol", "--kiosk", &id, "--new-key", &key, "--out", &cert],
        );
        kiosks.push((id, PathBuf::from(cert), PathBuf::from(key)));
    }

    let mut server: Child = Command::new(agency_bin())
        .arg("--config")
        .arg(&config)
        .arg("serve")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("agency serve");
    let mut line = String::new();
    let stdout = server.stdout.take().expect("stdout");
    let mut reader = BufReader::new(stdout);
    reader.read_line(&mut line).expect("listening line");
    let base = line
        .trim()
        .strip_prefix("agency listening on ")
        .expect("listening line")
        .to_string();
    let ids = (postmaster, server.id());
    // The clients of a phase, each connected (mutual TLS handshake, one health request)
    // before the phase starts: a kiosk keeps its connection to the agency open, so a commit
    // does not pay for a handshake. The handshakes are timed on their own.
    let agents = |n: usize| -> Vec<ureq::Agent> {
        let t = Instant::now();
        let agents: Vec<ureq::Agent> = kiosks[..n]
            .iter()
            .map(|(_, cert, key)| {
                let tls =
                    agency_host::tls::client_config(&dir.path().join("tls/ca.crt"), cert, key)
                        .expect("client tls");
                let agent = ureq::AgentBuilder::new()
                    .tls_config(tls)
                    .timeout(Duration::from_secs(30))
                    .build();
                agent
                    .get(&format!("{base}{}", agency_api::paths::HEALTH))
                    .call()
                    .expect("a kiosk connects")
                    .into_string()
                    .expect("the agency's health answer");
                agent
            })
            .collect();
        let each = t.elapsed().as_secs_f64() * 1000.0 / n.max(1) as f64;
        println!("{n} kiosks connected (mutual TLS handshake and one request): {each:.2} ms each, one after another");
        agents
    };

    // Lookups by ID number, random persons.
    let persons = args.persons;
    let lookup_base = base.clone();
    let mut phase = run_phase(
        &format!("lookup by ID, {} clients", args.lookup_clients),
        agents(args.lookup_clients),
        args.seconds,
        ids,
        None,
        Arc::new(move |agent, _, _| {
            let n = rand::random::<u32>() % persons + 1;
            let r = agent
                .get(&format!("{lookup_base}/v1/persons/{}", id_number(n)))
                .call()
                .map_err(|e| e.to_string())?;
            let mut body = Vec::new();
            std::io::Read::read_to_end(&mut r.into_reader(), &mut body)
                .map_err(|e| e.to_string())?;
            Ok(())
        }),
    );
    phase.print();

    // Commits: each client a kiosk with its own cards, moving them active ⇄ lost_temporary
    // in one commit per case (the case opened and closed with the change); every N closed
    // loop, then every N open loop at `--rate`.
    let mut rounds: Vec<(usize, Option<Duration>)> =
        args.clients.iter().map(|&n| (n, None)).collect();
    if args.rate > 0.0 {
        rounds.extend(
            args.clients
                .iter()
                .map(|&n| (n, Some(Duration::from_secs_f64(n as f64 / args.rate)))),
        );
    }
    // each round its own cards (their states carry over from round to round otherwise)
    let slice = persons / rounds.len().max(1) as u32;
    let mut commit_rates = Vec::new();
    for (round, &(n, every)) in rounds.iter().enumerate() {
        let round = round as u32;
        let first = round * slice;
        let commit_base = base.clone();
        let kiosk_ids: Vec<String> = kiosks[..n].iter().map(|(id, _, _)| id.clone()).collect();
        let per_client = (slice / n as u32).max(1);
        let name = match every {
            None => format!("commit, {n} clients"),
            Some(_) => format!("commit, {n} at {:.0}/s", args.rate),
        };
        let mut phase = run_phase(
            &name,
            agents(n),
            args.seconds,
            ids,
            every,
            Arc::new(move |agent, i, iter| {
                let kiosk = &kiosk_ids[i];
                // the client's cards: a slice of the registry; each iteration the next card,
                // moved forth in even rounds and back in odd ones
                let span = u64::from(per_client.min(50_000));
                let card = first + i as u32 * per_client + 1 + (iter % span) as u32;
                let back = (iter / span) % 2 == 1;
                let case_id = format!("{kiosk}-2026{:02}01-{iter:06}", round + 1);
                let c = case_commit(&case_id, card, back);
                let r = agent
                    .post(&format!("{commit_base}/v1/commits"))
                    .send_json(json!({"key": format!("{case_id}#1"), "commit": c}));
                match r {
                    Ok(_) => Ok(()),
                    Err(ureq::Error::Status(s, r)) => {
                        Err(format!("{s}: {}", r.into_string().unwrap_or_default()))
                    }
                    Err(e) => Err(e.to_string()),
                }
            }),
        );
        phase.print();
        commit_rates.push((
            name,
            phase.requests as f64 / phase.wall,
            percentile(&phase.lat, 0.99),
        ));
    }
    let _ = server.kill();
    let _ = server.wait();
    drop(reader);
    let verify = agency(&config, &["audit", "verify"]);
    println!("{}", verify.trim());

    // The same business on a standalone kiosk, and the agency's figures as a ratio of it.
    let mut alone = standalone_phase(args.seconds, args.standalone_cards);
    alone.print();
    let alone_rate = alone.requests as f64 / alone.wall;
    let alone_p99 = percentile(&alone.lat, 0.99);
    for (name, rate, p99) in commit_rates {
        println!(
            "agency / standalone, {name}: throughput {:.2}x, p99 {:.1}x \
             (standalone: {alone_rate:.0}/s, p99 {alone_p99:.2} ms)",
            rate / alone_rate,
            p99 / alone_p99
        );
    }
    let stop = pg::as_postgres(
        &format!("{}/pg_ctl", pg::PG_BIN),
        &[
            "-D",
            &cluster.dir.join("data").display().to_string(),
            "-m",
            "fast",
            "-w",
            "stop",
        ],
    )
    .output();
    if let Err(e) = stop {
        eprintln!("stopping the cluster: {e}");
    }
}
