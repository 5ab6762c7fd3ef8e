//! An agency for a test: its own database in the test cluster, a data key, a CA and server
//! certificate (`agency keygen`, `agency ca init`), `agency serve` as a child process, and
//! kiosks as HTTPS clients with their certificates (`agency enrol`).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use super::pg::{cluster, Cluster};

pub struct Agency {
    pub dir: tempfile::TempDir,
    pub config: PathBuf,
    pub dbname: String,
    /// The cluster its database is in.
    pub cluster: &'static Cluster,
    child: Option<Child>,
    pub base: String,
}

/// An answer: status, headers we look at, body.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub replayed: bool,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}): {} {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

pub fn agency_bin() -> &'static str {
    env!("CARGO_BIN_EXE_agency")
}

impl Agency {
    /// A new agency (not serving yet) on a new database.
    pub fn new() -> Agency {
        Agency::in_cluster(cluster())
    }

    /// A new agency (not serving yet) on a new database in `cluster` (a test that stops
    /// PostgreSQL has a cluster of its own).
    pub fn in_cluster(cluster: &'static Cluster) -> Agency {
        let dir = tempfile::tempdir().expect("temp dir");
        let dbname = cluster.database();
        let config = dir.path().join("agency.toml");
        let root = dir.path().to_path_buf();
        let p = |name: &str| root.join(name).display().to_string();
        let text = format!(
            r#"[agency]
listen = "127.0.0.1:0"

[database]
url = "{url}"
pool_size = 24
statement_timeout_ms = 5000

[storage]
key_file = "{key}"

[tls]
ca_cert = "{ca_cert}"
ca_key = "{ca_key}"
cert = "{cert}"
key = "{server_key}"

[leases]
default_ttl_s = 120
max_ttl_s = 600
"#,
            url = cluster.url(&dbname),
            key = p("data.key"),
            ca_cert = p("tls/ca.crt"),
            ca_key = p("tls/ca.key"),
            cert = p("tls/server.crt"),
            server_key = p("tls/server.key"),
        );
        std::fs::write(&config, text).expect("agency.toml");
        let agency = Agency {
            dir,
            config,
            dbname,
            cluster,
            child: None,
            base: String::new(),
        };
        agency.ok(&["keygen", "-o", &p("data.key")]);
        agency.ok(&["ca", "init", "--dir", &p("tls")]);
        agency
    }

    /// Makes the agency listen on a fixed port, so it is found at the same address after a
    /// restart (kiosks keep their configured URL).
    pub fn fix_port(&self) {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let text = std::fs::read_to_string(&self.config).expect("agency.toml");
        let text = text.replace(
            "listen = \"127.0.0.1:0\"",
            &format!("listen = \"127.0.0.1:{port}\""),
        );
        std::fs::write(&self.config, text).expect("agency.toml");
    }

    /// A new agency, serving.
    pub fn serving() -> Agency {
        let mut a = Agency::new();
        a.start();
        a
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs `agency ARGS` with this configuration.
    pub fn run(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let mut c = Command::new(agency_bin());
        c.arg("--config")
            .arg(&self.config)
            .args(args)
            .env("RUST_LOG", "warn")
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = c.spawn().expect("agency runs");
        if let Some(text) = stdin {
            use std::io::Write;
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(text.as_bytes())
                .expect("stdin written");
        }
        child.wait_with_output().expect("agency ends")
    }

    /// Runs `agency ARGS`, which must succeed; its standard output.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args, None);
        assert!(
            out.status.success(),
            "agency {args:?} failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Starts `agency serve` and waits for its address.
    pub fn start(&mut self) {
        assert!(self.child.is_none(), "already serving");
        let mut child = Command::new(agency_bin())
            .arg("--config")
            .arg(&self.config)
            .arg("serve")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("agency serve starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("agency serve says where it listens");
        let base = line
            .trim()
            .strip_prefix("agency listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_string();
        self.base = base;
        self.child = Some(child);
    }

    /// Stops the server (by its PID: SIGKILL to the child this rig started).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// What kiosk `id` (enrolled with [`Agency::kiosk`]) puts in its `[agency]` table to reach
    /// this agency at `url` (its own address, or a proxy's).
    pub fn link(&self, id: &str, url: &str) -> firmware_config::AgencyLink {
        firmware_config::AgencyLink {
            url: url.to_string(),
            ca_cert: self.path("tls/ca.crt").display().to_string(),
            cert: self.path(&format!("{id}.crt")).display().to_string(),
            key: self.path(&format!("{id}.key")).display().to_string(),
            timeout_ms: 2000,
        }
    }

    /// Enrols a kiosk (key made here, `--new-key`) and returns its client.
    pub fn kiosk(&self, id: &str) -> Client {
        let key = self.path(&format!("{id}.key"));
        let cert = self.path(&format!("{id}.crt"));
        self.ok(&[
            "enrol",
            "--kiosk",
            id,
            "--new-key",
            &key.display().to_string(),
            "--out",
            &cert.display().to_string(),
        ]);
        self.client_with(&cert, &key)
    }

    /// A client with this certificate and key (enrolled or not).
    pub fn client_with(&self, cert: &Path, key: &Path) -> Client {
        let config = agency_host::tls::client_config(&self.path("tls/ca.crt"), cert, key)
            .expect("client TLS configuration");
        Client::new(&self.base, config)
    }

    /// A client that sends no certificate.
    pub fn anonymous(&self) -> Client {
        let mut roots = rustls::RootCertStore::empty();
        for c in agency_host::tls::load_certs(&self.path("tls/ca.crt")).expect("CA") {
            roots.add(c).expect("root");
        }
        let config = rustls::ClientConfig::builder_with_provider(agency_host::tls::provider())
            .with_safe_default_protocol_versions()
            .expect("versions")
            .with_root_certificates(roots)
            .with_no_client_auth();
        Client::new(&self.base, Arc::new(config))
    }

    /// SQL in this agency's database (as the cluster's superuser).
    pub fn psql(&self, sql: &str) -> String {
        self.cluster.psql(&self.dbname, sql)
    }
}

impl Drop for Agency {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A kiosk (or any client) speaking HTTPS to the agency.
#[derive(Clone)]
pub struct Client {
    agent: ureq::Agent,
    base: String,
}

impl Client {
    pub fn new(base: &str, tls: Arc<rustls::ClientConfig>) -> Client {
        let agent = ureq::AgentBuilder::new()
            .tls_config(tls)
            .timeout(Duration::from_secs(30))
            .build();
        Client {
            agent,
            base: base.to_string(),
        }
    }

    fn reply(r: Result<ureq::Response, ureq::Error>) -> Result<Reply, String> {
        let response = match r {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => return Err(e.to_string()),
        };
        let status = response.status();
        let content_type = response.content_type().to_string();
        let replayed = response.header(agency_api::REPLAYED_HEADER) == Some("true");
        let mut body = Vec::new();
        std::io::Read::read_to_end(&mut response.into_reader(), &mut body)
            .map_err(|e| e.to_string())?;
        Ok(Reply {
            status,
            content_type,
            replayed,
            body,
        })
    }

    /// A request; `Err` when no HTTP answer came (the TLS handshake failed …).
    pub fn try_send(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Reply, String> {
        let req = self.agent.request(method, &format!("{}{path}", self.base));
        Client::reply(match body {
            Some(b) => req.send_json(b),
            None => req.call(),
        })
    }

    /// A request with a staff account in HTTP Basic authentication (the `/v1/desk` routes).
    pub fn send_as(
        &self,
        (user, password): (&str, &str),
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Reply {
        use base64::Engine as _;
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        let req = self
            .agent
            .request(method, &format!("{}{path}", self.base))
            .set("Authorization", &format!("Basic {basic}"));
        Client::reply(match body {
            Some(b) => req.send_json(b),
            None => req.call(),
        })
        .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
    }

    pub fn send(&self, method: &str, path: &str, body: Option<&Value>) -> Reply {
        self.try_send(method, path, body)
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
    }

    pub fn get(&self, path: &str) -> Reply {
        self.send("GET", path, None)
    }

    pub fn post(&self, path: &str, body: &Value) -> Reply {
        self.send("POST", path, Some(body))
    }

    pub fn delete(&self, path: &str) -> Reply {
        self.send("DELETE", path, None)
    }
}
