//! The simulator's ESC/POS decoder against card-io's encoder: receipts (Chinese, Uyghur,
//! mixed) come back line for line with their styles; no input panics the decoder; chunking
//! never changes what it decodes.

use card_io::printer::{escpos, Receipt};
use hw_sim::printer::decoder::{decode_all, DecoderEvent};
use hw_sim::printer::EscPosDecoder;
use proptest::prelude::*;

fn round_trip(r: &Receipt) {
    let bytes = r.encode().expect("encode");
    let (receipts, rest) = decode_all(&bytes);
    assert!(rest.is_empty(), "lines after the cut: {rest:?}");
    assert_eq!(receipts.len(), 1);
    assert_eq!(receipts[0].lines, r.lines());
    assert_eq!(receipts[0].text(), r.to_text());
}

#[test]
fn chinese_receipt() {
    round_trip(
        &Receipt::new("社会保障卡业务回执")
            .field("业务", "PIN 重置")
            .field("姓名", "张*")
            .field("身份证号", "110101********1234")
            .field("社保卡号", "****5678")
            .field("办理时间", "2024-05-06 10:21")
            .separator()
            .text("请妥善保管本回执。\n如有疑问请咨询窗口工作人员。")
            .blank()
            .centered("乌鲁木齐市人力资源和社会保障局"),
    );
}

#[test]
fn uyghur_receipt() {
    // Uyghur Arabic script: GB18030 four-byte codes (U+0600 block) and presentation forms.
    let r = Receipt::new("ئىجتىمائىي كاپالەت كارتىسى")
        .field("ئىسمى", "ئا***")
        .field("مۇلازىمەت", "PIN ئۆزگەرتىش")
        .text("رەھمەت! 谢谢！ ﺋﺎ")
        .centered("新疆维吾尔自治区 · شىنجاڭ ئۇيغۇر ئاپتونوم رايونى");
    round_trip(&r);
    let bytes = r.encode().expect("encode");
    // The Uyghur text really went out as GB18030 (not UTF-8).
    assert!(std::str::from_utf8(&bytes).is_err());
    let (u, _, _) = encoding_rs::GB18030.encode("ئ");
    assert_eq!(u.len(), 4);
}

#[test]
fn long_uyghur_name_wraps_to_two_lines() {
    let r = Receipt::new("回执").field("姓名", "ئابدۇرەھىم ئابدۇكېرىم ئابدۇللا مۇھەممەتئىمىن");
    assert_eq!(r.lines().len(), 3);
    round_trip(&r);
}

#[test]
fn two_receipts_and_status_queries_in_one_stream() {
    let a = Receipt::new("一").field("a", "b");
    let b = Receipt::new("二").text("c");
    let mut bytes = escpos::status_query(card_io::printer::StatusQuery::PaperSensor).to_vec();
    bytes.extend(a.encode().expect("encode"));
    bytes.extend(escpos::status_query(card_io::printer::StatusQuery::Printer));
    bytes.extend(b.encode().expect("encode"));
    let mut d = EscPosDecoder::new();
    let events = d.push(&bytes);
    let queries: Vec<u8> = events
        .iter()
        .filter_map(|e| match e {
            DecoderEvent::StatusQuery(n) => Some(*n),
            _ => None,
        })
        .collect();
    assert_eq!(queries, vec![4, 1]);
    let texts: Vec<String> = events
        .iter()
        .filter_map(|e| match e {
            DecoderEvent::Cut(r) => Some(r.text()),
            _ => None,
        })
        .collect();
    assert_eq!(texts, vec![a.to_text(), b.to_text()]);
}

/// Events of a whole stream fed in chunks of `chunk` bytes.
fn events(bytes: &[u8], chunk: usize) -> Vec<DecoderEvent> {
    let mut d = EscPosDecoder::new();
    let mut out = Vec::new();
    for c in bytes.chunks(chunk.max(1)) {
        out.extend(d.push(c));
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let mut d = EscPosDecoder::new();
        let _ = d.push(&bytes);
        prop_assert!(d.unprinted() <= hw_sim::printer::decoder::MAX_LINE);
    }

}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn chunking_does_not_matter(bytes in proptest::collection::vec(
            prop_oneof![Just(0x1Bu8), Just(0x1D), Just(0x10), Just(0x04), Just(0x0A), Just(b'V'),
                        Just(b'!'), Just(66), any::<u8>()], 0..512),
        chunk in 1usize..17) {
        prop_assert_eq!(events(&bytes, bytes.len().max(1)), events(&bytes, chunk));
    }


    #[test]
    fn any_receipt_round_trips(title in "[^\\p{Cc}\\p{Co}]{0,20}",
                               fields in proptest::collection::vec(
                                   ("[^\\p{Cc}\\p{Co}]{0,12}", "[^\\p{Cc}\\p{Co}]{0,40}"), 0..8),
                               width in 16usize..48) {
        let mut r = Receipt::new(title).width(width);
        for (l, v) in &fields {
            r = r.field(l.as_str(), v.as_str());
        }
        let bytes = r.encode();
        prop_assert!(bytes.is_ok());
        let (receipts, rest) = decode_all(&bytes.unwrap_or_default());
        prop_assert!(rest.is_empty());
        prop_assert_eq!(receipts.len(), 1);
        prop_assert_eq!(&receipts[0].lines, &r.lines());
    }
}

/// The share of ink two images agree on (intersection over union).
fn agreement(a: &card_io::printer::Bitmap, b: &card_io::printer::Bitmap) -> f64 {
    let (mut both, mut either) = (0u32, 0u32);
    for y in 0..a.height.max(b.height) {
        for x in 0..a.width.max(b.width) {
            let (p, q) = (a.get(x, y), b.get(x, y));
            both += u32::from(p && q);
            either += u32::from(p || q);
        }
    }
    f64::from(both) / f64::from(either.max(1))
}

/// A Uyghur receipt through the raster path: the simulated printer keeps each `GS v 0` image;
/// each is the rendering of its line, right aligned, the line's first word at the right margin.
#[test]
fn uyghur_receipt_prints_as_raster_images_right_to_left() {
    use card_io::printer::raster::{RasterSettings, Rasteriser};
    use card_io::printer::Align;
    use hw_sim::printer::Printed;
    let r = Rasteriser::load(RasterSettings::default())
        .expect("the Debian fonts of DEFAULT_FONTS are installed (scripts/lib.sh)");
    let (first, rest) = ("كارتا", "نومۇرى: *****0001");
    let line = format!("{first} {rest}");
    let receipt = Receipt::new("回执").text(&line).separator().text("谢谢");
    let encoded = receipt.encode_with(Some(&r)).expect("encode");
    let (receipts, after) = decode_all(&encoded.bytes);
    assert!(after.is_empty());
    let [printed] = receipts.as_slice() else {
        panic!("one receipt: {receipts:?}");
    };
    // The title, the separator and the Chinese line as text, the Uyghur line as one image
    // between the title and the separator.
    assert_eq!(printed.text(), format!("回执\n{}\n谢谢", "-".repeat(32)));
    assert_eq!(printed.images.len(), 1);
    let image = &printed.images[0];
    assert_eq!(image.after_lines, 1);
    assert_eq!(image.align, Align::Right);
    assert!(matches!(printed.in_order()[1], Printed::Image(_)));
    // Size: the line's ink, no wider than the paper, whole bytes.
    let rendered = r.render_line(&line, 24, true).expect("render");
    let (columns, rows) = rendered.ink_box().expect("ink");
    let bitmap = &image.bitmap;
    assert_eq!(bitmap.height, rows.end - rows.start);
    assert_eq!(bitmap.width, (columns.end - columns.start).div_ceil(8) * 8);
    assert!(bitmap.width <= 384);
    // Bit for bit the rendering of the line (padded on the left to whole bytes).
    let ink = rendered.crop(columns, rows.clone());
    let pad = bitmap.width - ink.width;
    assert_eq!(bitmap.crop(pad..bitmap.width, 0..bitmap.height), ink);
    assert_eq!(bitmap.crop(0..pad, 0..bitmap.height).ink(), 0);
    // Right to left: the first word is at the right edge of what was printed (most of its ink
    // agrees: in the line its pen position falls between dots), not at the left.
    let word = r.render_line(first, 24, true).expect("render");
    let (word_columns, _) = word.ink_box().expect("ink");
    let word = word.crop(word_columns, rows.clone());
    let at_right = bitmap.crop(bitmap.width - word.width..bitmap.width, 0..bitmap.height);
    let at_left = bitmap.crop(pad..pad + word.width, 0..bitmap.height);
    assert!(
        agreement(&at_right, &word) > 0.7 && agreement(&at_left, &word) < 0.3,
        "right {:.2} left {:.2}\n{}",
        agreement(&at_right, &word),
        agreement(&at_left, &word),
        bitmap.to_ascii()
    );
    // The paper the image and its spacing took: one line's height.
    assert_eq!(printed.dots_fed, Rasteriser::line_height(24));
}
