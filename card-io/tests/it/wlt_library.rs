//! The WLT decoder plugged in at run time: a stand-in library that these tests build from
//! tests/wlt-standin/standin.c with the system C compiler (`cc`), loaded through
//! `LibraryDecoder`, decoding its test format into a 102×126 photo; and the error paths: no
//! library, no `unpack` in it, and each code the function answers.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use card_io::idcard::wlt::{
    LibraryDecoder, WltDecoder, WltError, WltPhoto, PHOTO_HEIGHT, PHOTO_WIDTH, WLT_LEN,
};

/// Builds the stand-in (once per test run) into the test target folder; `missing_symbol`:
/// the variant without `unpack`.
fn standin(missing_symbol: bool) -> PathBuf {
    static BUILT: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    let (good, bad) = BUILT.get_or_init(|| {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/wlt-standin/standin.c");
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("wlt-standin");
        std::fs::create_dir_all(&dir).unwrap();
        let build = |name: &str, extra: &[&str]| {
            let out = dir.join(name);
            let status = Command::new("cc")
                .args(["-shared", "-fPIC", "-O1", "-Wall", "-Werror", "-o"])
                .arg(&out)
                .args(extra)
                .arg(&src)
                .status()
                .expect("run cc (the C compiler builds the stand-in decoder)");
            assert!(status.success(), "cc failed on {}", src.display());
            out
        };
        (
            build("libwlt-standin.so", &[]),
            build("libwlt-standin-nosym.so", &["-DNO_UNPACK"]),
        )
    });
    if missing_symbol {
        bad.clone()
    } else {
        good.clone()
    }
}

/// A test-format photo: `w`×`h` grey levels from `pixel(x, y)`, `flags` as in standin.c.
fn test_photo(w: u8, h: u8, flags: u8, pixel: impl Fn(u32, u32) -> u8) -> WltPhoto {
    let mut b = vec![0u8; WLT_LEN];
    b[0..4].copy_from_slice(b"KWLT");
    b[4] = w;
    b[5] = h;
    b[6] = flags;
    for y in 0..u32::from(h) {
        for x in 0..u32::from(w) {
            b[8 + (y * u32::from(w) + x) as usize] = pixel(x, y);
        }
    }
    WltPhoto::new(&b).unwrap()
}

#[test]
fn the_standin_decodes_its_format_into_a_photo() {
    let d = LibraryDecoder::open(&standin(false)).unwrap();
    assert!(format!("{d:?}").contains("libwlt-standin.so"));
    // Light left half, dark right half; a darker bottom row.
    let photo = test_photo(28, 35, 0, |x, y| match (x < 14, y == 34) {
        (_, true) => 10,
        (true, false) => 200,
        (false, false) => 60,
    });
    let p = d.decode(&photo).unwrap();
    assert_eq!((p.width, p.height), (PHOTO_WIDTH, PHOTO_HEIGHT));
    assert_eq!(p.rgb.len(), (PHOTO_WIDTH * PHOTO_HEIGHT * 3) as usize);
    let img = p.to_image().unwrap();
    assert_eq!(img.get_pixel(5, 5).0, [200, 200, 200]);
    assert_eq!(img.get_pixel(90, 5).0, [60, 60, 60]);
    // The bitmap is bottom-up: its last row is the picture's bottom.
    assert_eq!(img.get_pixel(50, 125).0, [10, 10, 10]);
    // The decoder is shared between threads.
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| assert_eq!(d.decode(&photo).unwrap(), p));
        }
    });
}

#[test]
fn each_unpack_code_is_an_error_that_says_what_it_means() {
    let d = LibraryDecoder::open(&standin(false)).unwrap();
    let not_wlt = WltPhoto::new(&[0x55; WLT_LEN]).unwrap();
    let e = d.decode(&not_wlt).unwrap_err();
    assert!(matches!(e, WltError::Unpack { code: -4 }), "{e}");
    assert!(e.to_string().contains("not a WLT photo"), "{e}");
    let unlicensed = test_photo(28, 35, 1, |_, _| 128);
    let e = d.decode(&unlicensed).unwrap_err();
    assert!(matches!(e, WltError::Unpack { code: -5 }), "{e}");
    assert!(e.to_string().contains("not licensed"), "{e}");
    // 40×40 grey levels do not fit in 1024 bytes: the decoder cannot decode it.
    let too_big = test_photo(40, 25, 0, |_, _| 0);
    let mut b = too_big.as_bytes().to_vec();
    b[5] = 40;
    let e = d.decode(&WltPhoto::new(&b).unwrap()).unwrap_err();
    assert!(matches!(e, WltError::Unpack { code: -1 }), "{e}");
    assert!(e.to_string().contains("cannot be decoded"), "{e}");
}

#[test]
fn a_missing_library_or_symbol_is_an_error_at_load() {
    let e = LibraryDecoder::open(Path::new("/nonexistent/libWltRS.so")).unwrap_err();
    assert!(matches!(e, WltError::Library { .. }), "{e}");
    assert!(e.to_string().contains("/nonexistent/libWltRS.so"), "{e}");
    let e = LibraryDecoder::open(&standin(true)).unwrap_err();
    assert!(
        matches!(
            e,
            WltError::Symbol {
                symbol: "unpack",
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("has no function `unpack`"), "{e}");
}
