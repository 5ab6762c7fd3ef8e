//! The raster path of Uyghur receipts: fonts from the configured files, lines rendered right
//! to left, receipts encoded as `GS v 0` images where the printer's font lacks the script.

use card_io::printer::raster::{is_rtl, Bitmap, RasterSettings, Rasteriser, DEFAULT_EM_DOTS};
use card_io::printer::{PrinterError, Receipt};

fn rasteriser() -> Rasteriser {
    Rasteriser::load(RasterSettings::default())
        .expect("the Debian fonts of DEFAULT_FONTS are installed (scripts/lib.sh)")
}

/// The share of ink two images of the same size agree on (intersection over union).
fn agreement(a: &Bitmap, b: &Bitmap) -> f64 {
    let (mut both, mut either) = (0u32, 0u32);
    for y in 0..a.height.max(b.height) {
        for x in 0..a.width.max(b.width) {
            let (p, q) = (a.get(x, y), b.get(x, y));
            both += u32::from(p && q);
            either += u32::from(p || q);
        }
    }
    if either == 0 {
        1.0
    } else {
        f64::from(both) / f64::from(either)
    }
}

#[test]
fn a_uyghur_line_is_rendered_right_to_left() {
    let r = rasteriser();
    let em = DEFAULT_EM_DOTS;
    let (first, second) = ("ئىجتىمائىي", "كاپالەت");
    let line = r
        .render_line(&format!("{first} {second}"), em, true)
        .expect("render");
    let one = r.render_line(first, em, true).expect("render");
    let two = r.render_line(second, em, true).expect("render");
    // Size: as high as a line, as wide as both words and a space.
    assert_eq!(line.height, Rasteriser::line_height(em));
    assert!(line.width > one.width + two.width && line.width < one.width + two.width + em);
    // Ink in the right places: the first word at the right margin, the second at the left.
    let right = line.crop(line.width - one.width..line.width, 0..line.height);
    let left = line.crop(0..two.width, 0..line.height);
    let (at_right, at_left) = (agreement(&right, &one), agreement(&left, &two));
    assert!(
        at_right > 0.8 && at_left > 0.8,
        "first word at the right {at_right:.2}, second at the left {at_left:.2}\n{}",
        line.to_ascii()
    );
    // And not the other way round (left to right would put the first word at the left).
    let wrong = line.crop(0..one.width, 0..line.height);
    assert!(agreement(&wrong, &one) < 0.5, "\n{}", line.to_ascii());
    // The letters sit on the baseline: ink above it and some below (the dots of ي).
    let (_, rows) = line.ink_box().expect("ink");
    let baseline = em;
    assert!(
        rows.start < baseline - em / 2 && rows.end > baseline,
        "rows {rows:?}"
    );
}

#[test]
fn long_lines_wrap_at_spaces_within_the_paper() {
    let r = rasteriser();
    let text =
        "كارتا ھالىتى: ۋاقىتلىق يوقاتقانلىق مەلۇم قىلىندى، 15 كۈندىن كېيىن ئۆزلۈكىدىن بىكار بولىدۇ";
    let lines = r.render_wrapped(text, 24, true, 384).expect("render");
    assert!(lines.len() >= 2, "{} lines", lines.len());
    assert!(lines.iter().all(|l| l.width <= 384 && l.ink() > 0));
    // The digits stay readable left to right: "15" is one run in the Uyghur line.
    assert!(r.measure("15", 24, true).expect("measure") > 0);
}

#[test]
fn a_missing_font_is_an_error_not_a_panic() {
    let e = Rasteriser::load(RasterSettings {
        fonts: vec!["/nonexistent/NotoSansArabic-Regular.ttf".into()],
        ..RasterSettings::default()
    })
    .expect_err("no such font");
    assert!(
        matches!(&e, PrinterError::Font { path, .. } if path.ends_with("NotoSansArabic-Regular.ttf")),
        "{e}"
    );
    assert!(e.to_string().contains("/nonexistent/"), "{e}");
    // Not a font at all.
    let e = Rasteriser::load(RasterSettings {
        fonts: vec!["/etc/hostname".into()],
        ..RasterSettings::default()
    })
    .expect_err("not a font");
    assert!(matches!(e, PrinterError::Font { .. }), "{e}");
    let e = Rasteriser::load(RasterSettings {
        fonts: vec![],
        ..RasterSettings::default()
    })
    .expect_err("no font");
    assert!(matches!(e, PrinterError::Font { .. }), "{e}");
    let e = Rasteriser::load(RasterSettings {
        paper_dots: 8,
        ..RasterSettings::default()
    })
    .expect_err("no paper");
    assert!(matches!(e, PrinterError::RasterSettings { .. }), "{e}");
}

#[test]
fn a_character_no_font_has_is_refused_before_printing() {
    let r = rasteriser();
    // Tibetan: neither Noto Sans Arabic nor Noto Sans CJK has it.
    let receipt = Receipt::new("تالون").text("ཀ");
    let e = receipt.encode_with(Some(&r)).expect_err("no glyph");
    assert!(matches!(e, PrinterError::NoGlyph { ch: 'ཀ' }), "{e}");
}

fn uyghur_receipt() -> Receipt {
    Receipt::new("ئىجتىمائىي كاپالەت كارتىسى ئىش تالونى")
        .text("ئىش: كارتىنى قوزغىتىش")
        .text("ئىسمى: 阿*****·买***")
        .text("كىملىك نومۇرى: 652301********1234")
        .separator()
        .centered("رەھمەت")
}

#[test]
fn chinese_receipts_keep_the_text_path() {
    let r = rasteriser();
    let zh = Receipt::new("社会保障卡业务回执")
        .field("姓名", "阿*****·买***")
        .text("Card number: *****0001");
    assert_eq!(zh.needs_raster(), None);
    let e = zh.encode_with(Some(&r)).expect("encode");
    assert_eq!(e.images, 0);
    assert_eq!(e.bytes, zh.encode().expect("encode"));
    // Without fonts, too.
    assert_eq!(zh.encode_with(None).expect("encode").bytes, e.bytes);
}

#[test]
fn uyghur_receipts_go_as_raster_images() {
    let r = rasteriser();
    let ug = uyghur_receipt();
    assert!(ug.is_rtl());
    assert!(matches!(
        ug.encode_with(None),
        Err(PrinterError::NeedsRaster { ch: 'ئ' })
    ));
    let e = ug.encode_with(Some(&r)).expect("encode");
    // The title (at 1.5 times), three lines and the footer as images, as many as their
    // wrapped lines; the separator as text.
    let wrapped = |t: &str, em: u32| {
        r.render_wrapped(t, em, true, 384)
            .map(|l| l.len())
            .unwrap_or(0)
    };
    let expected = wrapped("ئىجتىمائىي كاپالەت كارتىسى ئىش تالونى", 36)
        + wrapped("ئىش: كارتىنى قوزغىتىش", 24)
        + wrapped("ئىسمى: 阿*****·买***", 24)
        + wrapped("كىملىك نومۇرى: 652301********1234", 24)
        + wrapped("رەھمەت", 24);
    assert!(expected >= 5);
    assert_eq!(e.images, expected, "{} bytes", e.bytes.len());
    assert_eq!(&e.bytes[..4], &[0x1B, 0x40, 0x1C, 0x26]);
    assert_eq!(&e.bytes[e.bytes.len() - 4..], &[0x1D, 0x56, 0x42, 0x00]);
    let gs_v0 = e
        .bytes
        .windows(4)
        .filter(|w| w == &[0x1D, b'v', b'0', 0])
        .count();
    assert_eq!(gs_v0, e.images);
    // No Arabic letter went as GB18030 text (ئ is 81 31 CF 32 ... in GB18030).
    let text_ug = card_io::printer::escpos::text("ئ").expect("gb18030");
    assert!(!e
        .bytes
        .windows(text_ug.len())
        .any(|w| w == text_ug.as_slice()));
    assert!(e.paper_dots > 5 * 24, "{}", e.paper_dots);
    assert!("ئىسمى".chars().all(is_rtl));
}

/// A name masked in its own script (what `kiosk_core::mask::name` makes of a Uyghur-script
/// name, should the registry ever hold one): the first letter of each part stays at the
/// right of its part, the asterisks follow it leftwards, the first part at the right margin.
#[test]
fn a_uyghur_script_mask_reads_right_to_left() {
    let r = rasteriser();
    let line = r.render_line("ئ**** م***", 24, true).expect("render");
    let first = r.render_line("ئ", 24, true).expect("render");
    let (columns, _) = first.ink_box().expect("ink");
    let letter = first.crop(columns.clone(), 0..first.height);
    let (line_columns, _) = line.ink_box().expect("ink");
    let right = line.crop(
        line_columns.end - letter.width..line_columns.end,
        0..line.height,
    );
    assert!(
        agreement(&right, &letter) > 0.7,
        "ئ at the right margin\n{}",
        line.to_ascii()
    );
    let left = line.crop(
        line_columns.start..line_columns.start + letter.width,
        0..line.height,
    );
    assert!(agreement(&left, &letter) < 0.3, "\n{}", line.to_ascii());
}
