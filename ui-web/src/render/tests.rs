use super::*;

#[test]
fn qr_svg_is_inline_svg_without_the_token_text() {
    let token = "ECARD-<b>&token\"1";
    let svg = qr_svg(token).expect("a short token fits");
    assert!(svg.starts_with("<svg"), "{}", &svg[..40]);
    assert!(!svg.contains("<?xml"));
    assert!(!svg.contains("ECARD"));
    assert!(svg.contains("#000000"));
}

#[test]
fn a_token_too_long_for_a_qr_code_is_unavailable() {
    let token = "x".repeat(8000);
    assert!(qr_svg(&token).is_none());
    assert!(matches!(QrView::of(Some(&token)), QrView::Unavailable));
    assert!(matches!(QrView::of(None), QrView::Absent));
}

#[test]
fn fallback_page_is_a_whole_page_in_its_language() {
    for lang in Lang::ALL {
        let html = fallback_page(lang);
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.contains(&format!("lang=\"{}\"", lang.tag())));
        assert!(html.contains(Key::AskStaff.text(lang)));
        assert_eq!(html.matches("<h1").count(), 1);
        assert_eq!(html.contains("dir=\"rtl\""), lang == Lang::Ug);
    }
}

#[test]
fn chrome_links_carry_both_settings() {
    let page = Page {
        lang: Lang::Ug,
        elderly: true,
        title: String::new(),
        idle_timeout_s: None,
        in_session: false,
        sim: false,
        attract_after_s: None,
        staff_called: false,
        screen: Screen::Guide { entries: vec![] },
    };
    let c = Chrome::new(&page);
    let hrefs: Vec<String> = c.languages().into_iter().map(|l| l.href).collect();
    assert_eq!(
        hrefs,
        [
            "?lang=zh-CN&elderly=1",
            "?lang=ug&elderly=1",
            "?lang=en&elderly=1"
        ]
    );
    assert_eq!(c.elderly_href(), "?lang=ug&elderly=0");
    assert_eq!(c.elderly_label(), Key::ElderlyOff.text(Lang::Ug));
}
