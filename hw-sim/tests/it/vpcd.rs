//! The vpcd bridge against a fake vpcd listener on 127.0.0.1:0 (never the real ports).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use hw_sim::{CardOs, Transport, VpcdBridge};

fn card() -> Box<CardOs> {
    Box::new(
        CardOs::from_file(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("cards/v3-uyghur.toml"),
        )
        .unwrap(),
    )
}

fn send(s: &mut TcpStream, payload: &[u8]) {
    let mut frame = (payload.len() as u16).to_be_bytes().to_vec();
    frame.extend_from_slice(payload);
    s.write_all(&frame).unwrap();
}

fn recv(s: &mut TcpStream) -> Vec<u8> {
    let mut len = [0u8; 2];
    s.read_exact(&mut len).unwrap();
    let mut payload = vec![0u8; usize::from(u16::from_be_bytes(len))];
    s.read_exact(&mut payload).unwrap();
    payload
}

fn accept(listener: &TcpListener) -> TcpStream {
    let (s, _) = listener.accept().unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s
}

fn wait_for(what: &str, f: impl Fn() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// True when the peer closed the connection.
fn closed(s: &mut TcpStream) -> bool {
    let mut b = [0u8; 1];
    matches!(s.read(&mut b), Ok(0) | Err(_))
}

#[test]
fn framing_power_atr_apdu_and_removal() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let bridge = VpcdBridge::start(port, card());
    let mut s = accept(&listener);
    wait_for("connected", || bridge.is_connected());

    send(&mut s, &[0x01]); // power on: no answer
    send(&mut s, &[0x04]); // get ATR
    assert_eq!(hex::encode_upper(recv(&mut s)), "3B6800008600112233445566");
    send(
        &mut s,
        &hex::decode("00A404000F7378312E73682EC9E7BBE1B1A3D5CF00").unwrap(),
    );
    let r = recv(&mut s);
    assert_eq!(r.len(), 29);
    assert_eq!(&r[27..], &[0x90, 0x00]);
    // Two frames in one write are both answered, in order.
    let mut two = Vec::new();
    for apdu in ["0020000003123456", "00200000"] {
        let a = hex::decode(apdu).unwrap();
        two.extend_from_slice(&(a.len() as u16).to_be_bytes());
        two.extend_from_slice(&a);
    }
    s.write_all(&two).unwrap();
    assert_eq!(recv(&mut s), vec![0x90, 0x00]);
    assert_eq!(recv(&mut s), vec![0x90, 0x00]);
    // Reset clears the verified PIN.
    send(&mut s, &[0x02]);
    send(&mut s, &hex::decode("00200000").unwrap());
    assert_eq!(recv(&mut s), vec![0x63, 0xC3]);

    // Removal closes the socket; the device keeps its state.
    bridge.with_device(|d| d.process(&hex::decode("0020000003000000").unwrap()));
    bridge.remove();
    assert!(!bridge.is_connected());
    assert!(closed(&mut s));
    // Insertion reconnects.
    bridge.insert();
    let mut s = accept(&listener);
    wait_for("reconnected", || bridge.is_connected());
    send(&mut s, &hex::decode("00200000").unwrap());
    assert_eq!(recv(&mut s), vec![0x63, 0xC2], "state kept across removal");

    // Replacing the card looks like removal + insertion of another card.
    let mut other = CardOs::from_file(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("cards/v2-3des.toml"),
    )
    .unwrap();
    other.settings_mut().transport = Transport::T0;
    bridge.replace(Box::new(other));
    assert!(closed(&mut s));
    let mut s = accept(&listener);
    send(&mut s, &[0x04]);
    assert_eq!(hex::encode_upper(recv(&mut s)), "3B6800008600112233440001");
    send(&mut s, &hex::decode("0084000008").unwrap());
    assert_eq!(recv(&mut s), vec![0x61, 0x08]);

    bridge.stop();
    assert!(closed(&mut s));
}

#[test]
fn reconnects_when_vpcd_drops_the_connection_and_waits_for_it() {
    // Nothing listens yet: the bridge retries.
    let probe = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = probe.local_addr().unwrap().port();
    drop(probe);
    let bridge = VpcdBridge::start(port, card());
    std::thread::sleep(Duration::from_millis(250));
    assert!(!bridge.is_connected());
    let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
    let s = accept(&listener);
    wait_for("connected", || bridge.is_connected());
    // vpcd (pcscd) restarts: the connection drops, the bridge comes back.
    drop(s);
    let mut s = accept(&listener);
    send(&mut s, &[0x04]);
    assert_eq!(recv(&mut s).len(), 12);
    drop(bridge);
    assert!(closed(&mut s));
}
