//! issue 22 item 5: a Uyghur session's receipt printed on the simulated printer. The printer's
//! own font has no Arabic letters, so the receipt's Uyghur lines go as `GS v 0` raster images;
//! the simulated printer's journal holds the text they were made from only when the images
//! are, bit for bit, that text's rendering. Its content is then checked like a Chinese one:
//! in Uyghur, no Chinese but the holder's name, personal data masked.

use serde_json::{json, Value};
use tests::served::{kind, Served as Kiosk};

/// The Uyghur holder of hw-sim's `v3-uyghur.toml` (a Chinese rendering of the name, as the
/// card and the registry hold it).
const CARD: &str = "v3-uyghur.toml";
const NAME: &str = "阿卜杜热依木·买买提明·吐尔逊托合提";
const ID: &str = "65230119800506003X";

fn han(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

fn arabic(c: char) -> bool {
    ('\u{0600}'..='\u{06ff}').contains(&c)
}

#[test]
fn a_uyghur_status_receipt_is_printed_as_images_of_its_uyghur_text() {
    let k = Kiosk::sim(&[]);
    let home = k.request("GET", "/?lang=ug", "text/plain", "");
    assert_eq!(home.status, 200);
    k.api("POST", "/api/sim/card", json!({ "card": CARD }));
    k.api(
        "POST",
        "/api/session/start",
        json!({ "business": "status" }),
    );
    // 状态查询 reads the holder's ID card first (6.1.3.2 a), issue 17), then the card.
    k.api("POST", "/api/sim/idcard", json!({ "person": CARD }));
    let page = k.wait_screen("the confirm screen", |p| kind(p) == "confirm");
    assert_eq!(page["lang"], "ug", "{page}");
    k.api("POST", "/api/session/event", json!({ "action": "confirm" }));
    let page = k.api("POST", "/api/session/event", json!({ "action": "print" }));
    assert_eq!(kind(&page), "done", "{page}");
    let fields = page["screen"]["fields"].to_string();
    assert!(
        fields.contains("تالون بېسىپ چىقىرىلدى"),
        "printed: {fields}"
    );
    let on_screen: Vec<String> = page["screen"]["receipt"]
        .as_array()
        .map(|l| {
            l.iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    assert!(!on_screen.is_empty(), "{page}");

    let printer = k.api("GET", "/api/sim/printer", Value::Null);
    let receipts = printer["receipts"].as_array().cloned().unwrap_or_default();
    let images = printer["images"].as_array().cloned().unwrap_or_default();
    assert_eq!((receipts.len(), images.len()), (1, 1), "{printer}");
    // Through the raster path: an image per Uyghur line at least (the title among them).
    let n = images[0].as_u64().unwrap_or(0) as usize;
    assert!(
        n >= on_screen.len(),
        "{n} images for {} lines: {printer}",
        on_screen.len()
    );
    // The journal holds the text the images were made from: the receipt shown on screen.
    let printed: Vec<String> = receipts[0]
        .as_array()
        .map(|l| {
            l.iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    assert!(
        !printed.iter().any(|l| l.starts_with("[image ")),
        "the images are not the rendering of what the kiosk asked to print: {printed:?}"
    );
    assert_eq!(printed, on_screen);
    // In Uyghur: every line has Uyghur letters; Chinese only in the holder's masked name (a
    // status query's receipt names the card, not the holder).
    // The name as the registry has it, or as the ID card read for the session gives it (the
    // card's field holds 15 characters).
    let masked = kiosk_core::mask::name(NAME);
    let masked_card = kiosk_core::mask::name(&tests::kiosk::id_text(CARD).name);
    for line in &printed {
        assert!(line.chars().any(arabic), "a line without Uyghur: {line:?}");
        let rest = line.replace(&masked, "").replace(&masked_card, "");
        assert!(!rest.chars().any(han), "Chinese besides the name: {line:?}");
    }
    let all = printed.join("\n");
    assert!(!all.contains(NAME) && !all.contains(ID), "{all}");
    assert!(all.contains(&kiosk_core::mask::id_number(ID)), "{all}");
}
