//! `screens`' unit tests.

use super::*;

fn chrome() -> Chrome {
    Chrome {
        lang: Language::ZhCn,
        elderly: false,
        idle_timeout_s: None,
        in_session: false,
        sim: false,
        staff_called: false,
    }
}

fn likely_codes(presented: Option<Presented>, config: &Config) -> Option<Vec<String>> {
    match home(&chrome(), config, presented, false).screen {
        Screen::Home { likely, .. } => {
            likely.map(|l| l.items.into_iter().map(|i| i.code).collect())
        }
        other => panic!("not home: {other:?}"),
    }
}

#[test]
fn with_the_registry_down_only_the_businesses_on_the_card_alone_are_offered() {
    let config = Config::default();
    let paused = |down: bool| -> Vec<(String, bool)> {
        match home(&chrome(), &config, Some(Presented::Card), down).screen {
            Screen::Home { likely, sections } => likely
                .into_iter()
                .flat_map(|l| l.items)
                .chain(sections.into_iter().flat_map(|s| s.items))
                .map(|i| (i.code, i.paused))
                .collect(),
            other => panic!("not home: {other:?}"),
        }
    };
    assert!(paused(false).iter().all(|(_, p)| !p));
    for (code, p) in paused(true) {
        assert_eq!(p, code != "status" && code != "pin_change", "{code}");
    }
}

#[test]
fn home_offers_first_the_businesses_that_begin_with_what_was_presented() {
    let config = Config::default();
    assert_eq!(likely_codes(None, &config), None);
    let card = likely_codes(Some(Presented::Card), &config).expect("card businesses");
    for c in ["enable", "pin_change", "pin_unblock", "status"] {
        assert!(card.contains(&c.to_string()), "{c} with a card: {card:?}");
    }
    assert!(!card.contains(&"apply".to_string()), "{card:?}");
    let id = likely_codes(Some(Presented::IdCard), &config).expect("ID card businesses");
    for c in ["apply", "report_loss"] {
        assert!(id.contains(&c.to_string()), "{c} with an ID card: {id:?}");
    }
    assert!(!id.contains(&"pin_change".to_string()), "{id:?}");
    // Only what the kiosk offers.
    let mut few = Config::default();
    few.business.enabled = vec![BusinessCode::Apply];
    assert_eq!(likely_codes(Some(Presented::Card), &few), None);
    assert_eq!(
        likely_codes(Some(Presented::IdCard), &few),
        Some(vec!["apply".to_string()])
    );
}
