//! The batch tar format: the header fields written, paths that fit and paths refused,
//! streaming both ways, damage found, and GNU tar reading what is written and the other way
//! round.

use std::process::Command;

use super::*;

fn archive(entries: &[(&str, Option<&[u8]>)], mtime: u64) -> Vec<u8> {
    let mut w = TarWriter::new(Vec::new(), mtime).unwrap();
    for (path, data) in entries {
        match data {
            Some(d) => w.add_file(path, 0o444, d).unwrap(),
            None => w.add_dir(path, 0o555).unwrap(),
        }
    }
    w.finish().unwrap()
}

fn gnu_tar(args: &[&str]) -> std::process::Output {
    let out = Command::new("tar")
        .args(args)
        .env("LC_ALL", "C.UTF-8")
        .output()
        .expect("GNU tar runs");
    assert!(
        out.status.success(),
        "tar {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// An octal field's value (digits up to a NUL or space).
fn octal(field: &[u8]) -> u64 {
    let end = field
        .iter()
        .position(|&b| b == 0 || b == b' ')
        .unwrap_or(field.len());
    u64::from_str_radix(std::str::from_utf8(&field[..end]).unwrap(), 8).unwrap()
}

#[test]
fn header_fields_and_checksum() {
    let bytes = archive(&[("a.txt", Some(b"hello"))], 1_700_000_000);
    assert_eq!(bytes.len() as u64 % RECORD, 0);
    let h: [u8; BLOCK] = bytes[..BLOCK].try_into().unwrap();
    assert_eq!(&h[..6], b"a.txt\0");
    assert_eq!(octal(&h[100..108]), 0o444);
    assert_eq!(octal(&h[108..116]), 0, "uid");
    assert_eq!(octal(&h[116..124]), 0, "gid");
    assert_eq!(octal(&h[124..136]), 5);
    assert_eq!(octal(&h[136..148]), 1_700_000_000);
    assert_eq!(h[156], b'0');
    assert_eq!(&h[257..265], b"ustar\x0000");
    assert!(h[265..329].iter().all(|&b| b == 0), "empty owner names");
    let sum: u64 = h
        .iter()
        .enumerate()
        .map(|(i, &b)| u64::from(if (148..156).contains(&i) { b' ' } else { b }))
        .sum();
    assert_eq!(octal(&h[148..156]), sum);
    assert_eq!(&bytes[BLOCK..BLOCK + 5], b"hello");
    assert!(bytes[BLOCK + 5..].iter().all(|&b| b == 0));
}

#[test]
fn the_same_entries_give_the_same_bytes() {
    let entries: &[(&str, Option<&[u8]>)] = &[("d", None), ("d/a", Some(b"1")), ("d/b", Some(b""))];
    assert_eq!(archive(entries, 5), archive(entries, 5));
    assert_ne!(archive(entries, 5), archive(entries, 6));
}

#[test]
fn long_paths_use_the_prefix_field() {
    let dir = "d".repeat(120);
    let path = format!("{dir}/{}", "f".repeat(90));
    check_path(&path).unwrap();
    let bytes = archive(&[(&path, Some(b"x"))], 0);
    assert_eq!(&bytes[345..345 + 120], dir.as_bytes());
    let back = read_all(&bytes[..]).unwrap();
    assert_eq!(back.len(), 1);
    assert_eq!(back[0].path, path);
    assert_eq!(back[0].data, b"x");
}

#[test]
fn name_of_exactly_100_bytes_has_no_nul() {
    let path = "n".repeat(100);
    let bytes = archive(&[(&path, Some(b""))], 0);
    assert_eq!(&bytes[..100], path.as_bytes());
    assert_eq!(read_all(&bytes[..]).unwrap()[0].path, path);
}

#[test]
fn unsplittable_and_too_long_paths_are_refused() {
    for long in [
        // One part of 101 bytes: no '/' to split at.
        "a".repeat(101),
        // Last part longer than 100 bytes.
        format!("dir/{}", "b".repeat(101)),
        // Prefix part longer than 155 bytes before the only '/'.
        format!("{}/x", "c".repeat(160)),
        // Over 255 bytes in all.
        format!("{}/{}", "d".repeat(150), "e".repeat(110)),
    ] {
        let e = check_path(&long).unwrap_err();
        assert!(
            matches!(&e, ArchiveError::TarPath { why, .. } if why.contains("do not fit a ustar header")),
            "{e}"
        );
    }
    // The writer refuses them the same way, and bad relative paths, writing nothing.
    let mut w = TarWriter::new(Vec::new(), 0).unwrap();
    assert!(matches!(
        w.add_file(&"a".repeat(101), 0o444, b""),
        Err(ArchiveError::TarPath { .. })
    ));
    for bad in ["", "/abs", "a//b", "a/../b", "./a", "a\0b"] {
        let e = w.add_file(bad, 0o444, b"").unwrap_err();
        assert!(matches!(e, ArchiveError::TarPath { .. }), "{bad:?}: {e}");
    }
    let bytes = w.finish().unwrap();
    assert!(bytes.iter().all(|&b| b == 0), "nothing but the end blocks");
    assert!(read_all(&bytes[..]).unwrap().is_empty());
}

#[test]
fn directory_of_100_bytes_splits_before_its_slash() {
    let dir = format!("top/{}", "x".repeat(96));
    assert_eq!(dir.len(), 100);
    let bytes = archive(&[(&dir, None)], 0);
    let back = read_all(&bytes[..]).unwrap();
    assert_eq!(back[0].path, dir);
    assert_eq!(back[0].kind, EntryKind::Dir);
}

#[test]
fn reader_refuses_damaged_headers_and_cut_archives() {
    let mut bytes = archive(&[("a", Some(b"1"))], 0);
    bytes[0] = b'b';
    let e = read_all(&bytes[..]).unwrap_err();
    assert!(
        matches!(&e, ArchiveError::BadTar { offset: 0, why } if why.contains("checksum")),
        "{e}"
    );
    let bytes = archive(&[("a", Some(&[7u8; 600]))], 0);
    let e = read_all(&bytes[..BLOCK + 100]).unwrap_err();
    assert!(
        matches!(&e, ArchiveError::BadTar { offset: 0, why } if why.contains("ends inside an entry's data")),
        "{e}"
    );
    // Cut inside a header block.
    let e = read_all(&bytes[..BLOCK / 2]).unwrap_err();
    assert!(matches!(e, ArchiveError::BadTar { .. }), "{e}");
}

#[test]
fn entries_stream_and_unread_data_is_skipped() {
    let big: Vec<u8> = (0..5000u32).map(|i| (i % 253) as u8).collect();
    let bytes = archive(
        &[
            ("d", None),
            ("d/big", Some(&big)),
            ("d/small", Some(b"abc")),
            ("d/empty", Some(b"")),
        ],
        7,
    );
    let mut seen = Vec::new();
    read_entries(&bytes[..], |h, data| {
        match h.path.as_str() {
            "d" => assert_eq!((h.kind, h.size, h.offset), (EntryKind::Dir, 0, 0)),
            "d/big" => {
                assert_eq!((h.size, h.mtime, h.offset, h.mode), (5000, 7, 512, 0o444));
                // Read part of it only; the rest and the padding are skipped.
                let mut first = [0u8; 700];
                data.read_exact(&mut first).unwrap();
                assert_eq!(&first[..], &big[..700]);
            }
            "d/small" => {
                let mut small = Vec::new();
                data.read_to_end(&mut small).unwrap();
                assert_eq!(small, b"abc");
                // Reading again past the end gives nothing more.
                assert_eq!(data.read(&mut [0u8; 8]).unwrap(), 0);
            }
            _ => assert_eq!(h.size, 0),
        }
        seen.push(h.path.clone());
        Ok(())
    })
    .unwrap();
    assert_eq!(seen, ["d", "d/big", "d/small", "d/empty"]);

    // Cut inside the data: an UnexpectedEof from the data reader.
    let cut = &bytes[..512 + 512 + 3000];
    let e = read_entries(cut, |h, data| {
        if h.path == "d/big" {
            let e = std::io::copy(data, &mut std::io::sink()).unwrap_err();
            assert_eq!(e.kind(), std::io::ErrorKind::UnexpectedEof);
            assert!(e.to_string().contains("3000 of 5000 bytes"), "{e}");
        }
        Ok(())
    })
    .unwrap_err();
    // Then the next entry cannot be found.
    assert!(matches!(e, ArchiveError::BadTar { .. }), "{e}");
    // An error of the callback stops the reading and comes back.
    let mut calls = 0;
    let e = read_entries(&bytes[..], |_, _| {
        calls += 1;
        Err(ArchiveError::BadTar {
            offset: 1,
            why: "stop".into(),
        })
    })
    .unwrap_err();
    assert_eq!(calls, 1);
    assert!(e.to_string().contains("stop"), "{e}");
}

#[test]
fn files_stream_into_the_writer() {
    let data: Vec<u8> = (0..1500u32).map(|i| (i % 7) as u8).collect();
    let mut w = TarWriter::new(Vec::new(), 1).unwrap();
    w.add_file_from("a", 0o444, data.len() as u64, &data[..])
        .unwrap();
    let bytes = w.finish().unwrap();
    let mut w = TarWriter::new(Vec::new(), 1).unwrap();
    w.add_file("a", 0o444, &data).unwrap();
    assert_eq!(bytes, w.finish().unwrap(), "the same bytes as add_file");
    // A source shorter than the size given is an error that says so.
    let mut w = TarWriter::new(Vec::new(), 1).unwrap();
    let e = w.add_file_from("a", 0o444, 2000, &data[..]).unwrap_err();
    assert!(e.to_string().contains("1500 of 2000 bytes"), "{e}");
    // A time or size beyond plain octal is refused.
    assert!(TarWriter::new(Vec::new(), MAX_OCTAL_11 + 1).is_err());
}

#[test]
fn gnu_tar_lists_and_extracts_byte_identically() {
    let tmp = tempfile::tempdir().unwrap();
    // 104 bytes: split into the prefix field; the last part is 90 bytes of UTF-8.
    let long_dir = format!("batch/records/{}", "长".repeat(30));
    let files: Vec<(String, Vec<u8>)> = vec![
        ("batch/manifest.json".into(), b"{}\n".to_vec()),
        (
            "batch/records/0001-SB·2026-D50-652300001-000001/record.json".into(),
            "档号 0001-SB·2026-D50-652300001-000001\n"
                .as_bytes()
                .to_vec(),
        ),
        (
            format!("{long_dir}/照片.jpg"),
            (0..=255u8).cycle().take(1000).collect(),
        ),
        ("batch/empty".into(), Vec::new()),
        ("batch/block".into(), vec![0xAB; BLOCK]),
    ];
    let mut w = TarWriter::new(Vec::new(), 1_775_000_000).unwrap();
    w.add_dir("batch", 0o555).unwrap();
    w.add_dir("batch/records", 0o555).unwrap();
    w.add_dir("batch/records/0001-SB·2026-D50-652300001-000001", 0o555)
        .unwrap();
    w.add_dir(&long_dir, 0o555).unwrap();
    for (p, d) in &files {
        w.add_file(p, 0o444, d).unwrap();
    }
    let bytes = w.finish().unwrap();
    let tar_path = tmp.path().join("t.tar");
    std::fs::write(&tar_path, &bytes).unwrap();
    let tar = tar_path.to_str().unwrap();

    let list = gnu_tar(&["--quoting-style=literal", "-tvf", tar]);
    let list = String::from_utf8(list.stdout).unwrap();
    for (p, d) in &files {
        let line = list
            .lines()
            .find(|l| l.ends_with(p.as_str()))
            .unwrap_or_else(|| panic!("{p} not listed:\n{list}"));
        assert!(line.starts_with("-r--r--r-- 0/0"), "{line}");
        assert!(line.contains(&format!(" {} 2026-", d.len())), "{line}");
    }
    assert!(list.contains(&format!("{long_dir}/\n")), "{list}");

    let into = tmp.path().join("out");
    std::fs::create_dir(&into).unwrap();
    gnu_tar(&["-xf", tar, "-C", into.to_str().unwrap()]);
    for (p, d) in &files {
        assert_eq!(&std::fs::read(into.join(p)).unwrap(), d, "{p}");
    }
    // The reader gives back the same.
    let back = read_all(&bytes[..]).unwrap();
    let back_files: Vec<(String, Vec<u8>)> = back
        .into_iter()
        .filter(|e| e.kind == EntryKind::File)
        .map(|e| (e.path, e.data))
        .collect();
    assert_eq!(back_files, files);
    // Let the temporary directory be removed without root.
    let _ = Command::new("chmod")
        .args(["-R", "u+w"])
        .arg(&into)
        .status();
}

#[test]
fn reads_what_gnu_tar_writes() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    let deep = src.join("a").join("文件".repeat(30)).join("b".repeat(90));
    std::fs::create_dir_all(&deep).unwrap();
    std::fs::write(deep.join("ü.txt"), b"content").unwrap();
    std::fs::write(src.join("top.txt"), b"top").unwrap();
    for format in ["gnu", "oldgnu", "posix"] {
        let tar = tmp.path().join(format!("{format}.tar"));
        let out = Command::new("tar")
            .arg(format!("--format={format}"))
            .arg("-cf")
            .arg(&tar)
            .arg("-C")
            .arg(&src)
            .arg("top.txt")
            .arg("a")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let entries = read_all(std::fs::File::open(&tar).unwrap()).unwrap();
        assert!(
            entries
                .iter()
                .any(|e| e.path == "top.txt" && e.data == b"top"),
            "{format}"
        );
        let deep_file = format!("a/{}/{}/ü.txt", "文件".repeat(30), "b".repeat(90));
        let found = entries.iter().find(|e| e.path == deep_file);
        assert_eq!(
            found.map(|e| (&e.data[..], e.kind)),
            Some((&b"content"[..], EntryKind::File)),
            "{format}: {:?}",
            entries.iter().map(|e| &e.path).collect::<Vec<_>>()
        );
    }
}
