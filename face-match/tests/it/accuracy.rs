//! Accuracy on real photographs no one here made (data/face/pairs.tsv): at the default
//! threshold every same-person pair matches and every different-person pair does not, also
//! when picture a is reduced to an ID card photo's 102×126 pixels. Needs the `dlib` feature
//! and the fetched models and photographs.
#![cfg(feature = "dlib")]

use super::common;

use std::collections::HashMap;
use std::path::Path;

use face_match::pairs::{self, PictureDirs};
use face_match::{FaceVerifier, DEFAULT_THRESHOLD};

#[test]
fn every_pair_is_judged_right() {
    let v = common::verifier();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let pairs = pairs::parse(include_str!("../../../data/face/pairs.tsv")).unwrap();
    let dirs = PictureDirs::in_checkout(&root, &common::face_data());
    // Each picture once: its embedding as taken and reduced to an ID card photo.
    let mut seen: HashMap<String, (face_match::Embedding, face_match::Embedding)> = HashMap::new();
    let mut embed = |name: &str| {
        seen.entry(name.to_string())
            .or_insert_with(|| {
                let path = dirs.resolve(name).unwrap();
                let img = face_match::load_image(&path)
                    .unwrap_or_else(|e| panic!("{e} (fetch_face_data fetches the photographs)"));
                let full = v.embed(&img).unwrap_or_else(|e| panic!("{name}: {e}"));
                let marks = v.observe(&img).unwrap().landmarks;
                let small = face_match::id_card_photo(&img, &marks);
                assert_eq!(small.dimensions(), (102, 126));
                let small = v
                    .embed(&small)
                    .unwrap_or_else(|e| panic!("{name} at 102×126: {e}"));
                (full, small)
            })
            .clone()
    };
    let mut wrong = Vec::new();
    for p in &pairs {
        let (a, a_small) = embed(&p.a);
        let (b, _) = embed(&p.b);
        let m = v.compare(&a, &b);
        assert_eq!(m.threshold, DEFAULT_THRESHOLD);
        if m.same_person != p.same {
            wrong.push(format!("{} {} {:.3}", p.a, p.b, m.score));
        }
        // Picture a as an ID card photo (the WLT decoder's 102×126).
        let m = v.compare(&a_small, &b);
        if m.same_person != p.same {
            wrong.push(format!("{} (102×126) {} {:.3}", p.a, p.b, m.score));
        }
    }
    assert!(wrong.is_empty(), "judged wrong: {wrong:#?}");
}
