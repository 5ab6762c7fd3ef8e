//! A loopback TCP proxy between one kiosk and the agency, run by the test itself: it forwards
//! raw bytes (TLS ends at the agency, so the kiosk still verifies the agency's certificate for
//! `127.0.0.1`, and the agency the kiosk's), and it can be switched to
//! - cut the network: open connections are dropped and the port is closed, so new ones are
//!   refused, until [`Proxy::restore`] binds the same port again;
//! - delay: every chunk forwarded waits a while first (a slow link);
//! - mute: what the agency sends is dropped, what the kiosk sends still arrives (an answer
//!   lost after the agency acted on the request).

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How often idle threads look at the switches.
const TICK: Duration = Duration::from_millis(10);

#[derive(Default)]
struct Switches {
    /// Set: the network is cut.
    cut: AtomicBool,
    /// Bumped by every cut: connections of an older generation are dropped.
    generation: AtomicU64,
    delay_ms: AtomicU64,
    /// Set: bytes from the agency are dropped.
    mute: AtomicBool,
    stop: AtomicBool,
    /// Connections accepted in all.
    accepted: AtomicU64,
}

pub struct Proxy {
    pub port: u16,
    switches: Arc<Switches>,
    thread: Option<JoinHandle<()>>,
}

impl Proxy {
    /// A proxy on a free loopback port forwarding to `upstream`.
    pub fn new(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("proxy port");
        let port = listener.local_addr().expect("proxy address").port();
        let switches = Arc::new(Switches::default());
        let s = Arc::clone(&switches);
        let thread = std::thread::Builder::new()
            .name(format!("proxy-{port}"))
            .spawn(move || listen(listener, port, upstream, &s))
            .expect("proxy thread");
        Proxy {
            port,
            switches,
            thread: Some(thread),
        }
    }

    /// The URL a kiosk uses to reach the agency through this proxy.
    pub fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }

    /// Restores the network (the port is listened on again).
    pub fn restore(&self) {
        self.switches.cut.store(false, Ordering::SeqCst);
    }

    /// Delays every chunk forwarded by `d` (zero: no delay).
    pub fn delay(&self, d: Duration) {
        self.switches
            .delay_ms
            .store(d.as_millis() as u64, Ordering::SeqCst);
    }

    /// A handle that cuts the network when called (from a card's command, say): open
    /// connections dropped, new ones refused.
    pub fn cutter(&self) -> impl FnOnce() + Send + 'static {
        let s = Arc::clone(&self.switches);
        move || {
            s.cut.store(true, Ordering::SeqCst);
            s.generation.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// A handle that mutes the agency when called: its answers are dropped from then on.
    pub fn muter(&self) -> impl FnOnce() + Send + 'static {
        let s = Arc::clone(&self.switches);
        move || s.mute.store(true, Ordering::SeqCst)
    }

    /// Lets the agency's answers through again.
    pub fn unmute(&self) {
        self.switches.mute.store(false, Ordering::SeqCst);
    }

    /// Connections forwarded so far.
    pub fn accepted(&self) -> u64 {
        self.switches.accepted.load(Ordering::SeqCst)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.switches.stop.store(true, Ordering::SeqCst);
        self.switches.generation.fetch_add(1, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn listen(listener: TcpListener, port: u16, upstream: SocketAddr, s: &Arc<Switches>) {
    listener
        .set_nonblocking(true)
        .expect("nonblocking listener");
    let mut listener = Some(listener);
    while !s.stop.load(Ordering::SeqCst) {
        let cut = s.cut.load(Ordering::SeqCst);
        match (&listener, cut) {
            // The port is closed: a connection attempt is refused, as with no route.
            (Some(_), true) => listener = None,
            (None, false) => {
                // Bound again on the same port (std sets SO_REUSEADDR); retried briefly.
                let until = Instant::now() + Duration::from_secs(5);
                loop {
                    match TcpListener::bind(("127.0.0.1", port)) {
                        Ok(l) => {
                            l.set_nonblocking(true).expect("nonblocking listener");
                            listener = Some(l);
                            break;
                        }
                        Err(e) if Instant::now() < until => {
                            let _ = e;
                            std::thread::sleep(TICK);
                        }
                        Err(e) => panic!("proxy: cannot listen on {port} again: {e}"),
                    }
                }
            }
            (Some(l), false) => match l.accept() {
                // Cut meanwhile: this one is dropped too.
                Ok(_) if s.cut.load(Ordering::SeqCst) => {}
                Ok((client, _)) => {
                    s.accepted.fetch_add(1, Ordering::SeqCst);
                    let generation = s.generation.load(Ordering::SeqCst);
                    if let Ok(server) = TcpStream::connect(upstream) {
                        pipe(client, server, generation, s);
                    }
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => std::thread::sleep(TICK),
                Err(e) => panic!("proxy: accept: {e}"),
            },
            (None, true) => std::thread::sleep(TICK),
        }
    }
}

/// Forwards both ways on two threads until either side closes or the network is cut.
fn pipe(client: TcpStream, server: TcpStream, generation: u64, s: &Arc<Switches>) {
    for (from, to, answers) in [
        (client.try_clone(), server.try_clone(), false),
        (server.try_clone(), client.try_clone(), true),
    ] {
        let (Ok(from), Ok(to)) = (from, to) else {
            return;
        };
        let s = Arc::clone(s);
        std::thread::spawn(move || forward(from, to, answers, generation, &s));
    }
}

/// `answers`: this direction carries the agency's bytes (dropped while muted).
fn forward(mut from: TcpStream, mut to: TcpStream, answers: bool, generation: u64, s: &Switches) {
    let _ = from.set_nonblocking(false);
    let _ = from.set_read_timeout(Some(TICK));
    let mut buf = [0u8; 16 * 1024];
    loop {
        if s.stop.load(Ordering::SeqCst) || s.generation.load(Ordering::SeqCst) != generation {
            // Cut: both directions of this connection die at once.
            let _ = from.shutdown(Shutdown::Both);
            let _ = to.shutdown(Shutdown::Both);
            return;
        }
        match from.read(&mut buf) {
            Ok(0) => {
                let _ = to.shutdown(Shutdown::Write);
                return;
            }
            // Read before the cut was seen, after it happened: not forwarded.
            Ok(_) if s.generation.load(Ordering::SeqCst) != generation => {}
            Ok(_) if answers && s.mute.load(Ordering::SeqCst) => {}
            Ok(n) => {
                let delay = s.delay_ms.load(Ordering::SeqCst);
                if delay > 0 {
                    std::thread::sleep(Duration::from_millis(delay));
                }
                if to.write_all(&buf[..n]).is_err() {
                    let _ = from.shutdown(Shutdown::Both);
                    return;
                }
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => {
                let _ = to.shutdown(Shutdown::Both);
                return;
            }
        }
    }
}
