//! Why a frame cannot become a card photo: each refusal names the rule it breaks, carries what
//! was measured, and tells the citizen what to do in Chinese and English.
//!
//! The advice exists in zh-CN and English only: a Uyghur text needs a translator who can
//! vouch for it.

use std::fmt;

/// The rules a frame is checked against, in the order they are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// The camera frame is big enough to cut a photo from.
    Frame,
    /// Exactly one face is in the frame.
    OneFace,
    /// The face is big enough to scale up, and small enough to leave room around it.
    FaceSize,
    /// The head can be placed where the head box rules want it.
    Position,
    /// The head box of the cut photo keeps every rule of CARD-PROFILE.md section 9.
    HeadBox,
    /// The background beside and above the head is one even tone.
    BackgroundPlain,
    /// The background is light.
    BackgroundLight,
    /// The background is white, not coloured.
    BackgroundWhite,
    /// The JPEG file lands in the size window at an allowed quality.
    FileSize,
}

impl Rule {
    pub const ALL: [Rule; 9] = [
        Rule::Frame,
        Rule::OneFace,
        Rule::FaceSize,
        Rule::Position,
        Rule::HeadBox,
        Rule::BackgroundPlain,
        Rule::BackgroundLight,
        Rule::BackgroundWhite,
        Rule::FileSize,
    ];

    /// The rule's name as in reports (`one_face`, `background_plain`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Rule::Frame => "frame",
            Rule::OneFace => "one_face",
            Rule::FaceSize => "face_size",
            Rule::Position => "position",
            Rule::HeadBox => "head_box",
            Rule::BackgroundPlain => "background_plain",
            Rule::BackgroundLight => "background_light",
            Rule::BackgroundWhite => "background_white",
            Rule::FileSize => "file_size",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Which way the face has to move in the camera's frame (the frame as the camera sees it,
/// not mirrored).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Left,
    Right,
    Up,
    Down,
    /// Towards the centre, no single direction.
    Centre,
}

/// What the citizen is told, in the kiosk's languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Advice {
    #[serde(rename = "zh-CN")]
    pub zh_cn: &'static str,
    pub en: &'static str,
    /// In Uyghur (Arabic script).
    pub ug: &'static str,
}

/// A frame refused, with the measured values that broke the rule.
#[derive(Debug, Clone, PartialEq, thiserror::Error, serde::Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Refusal {
    #[error("the frame is {width}×{height}; at least {min_width}×{min_height} is needed")]
    FrameTooSmall {
        width: u32,
        height: u32,
        min_width: u32,
        min_height: u32,
    },
    #[error("no face found")]
    NoFace,
    #[error("{count} faces found, one is allowed")]
    SeveralFaces { count: usize },
    #[error(
        "the face is {face_width} px wide in the frame; at least {min_face_width} px is needed"
    )]
    TooFar {
        face_width: u32,
        min_face_width: u32,
    },
    #[error("the face is {face_width} px wide in the frame; at most {max_face_width} px leaves room around the head")]
    TooClose {
        face_width: u32,
        max_face_width: u32,
    },
    #[error("the head cannot be centred inside the frame (it should move {direction:?})")]
    OffCentre { direction: Direction },
    #[error("head box out of the rules: {}", violations.join("; "))]
    HeadBox { violations: Vec<String> },
    #[error("background not plain: {:.0} % of it is off its tone, at most {:.0} %", busy_share * 100.0, max * 100.0)]
    BackgroundNotPlain { busy_share: f32, max: f32 },
    #[error("background too dark: median luma {luma}, at least {min}")]
    BackgroundTooDark { luma: u8, min: u8 },
    #[error("background not white: median chroma {chroma}, at most {max}")]
    BackgroundNotWhite { chroma: u8, max: u8 },
    #[error("no JPEG quality from {min_quality} to {max_quality} gives a file of {min_bytes}–{max_bytes} bytes (it gives {smallest}–{largest})")]
    FileSize {
        smallest: usize,
        largest: usize,
        min_bytes: usize,
        max_bytes: usize,
        min_quality: u8,
        max_quality: u8,
    },
}

impl Refusal {
    /// The rule this refusal breaks.
    pub fn rule(&self) -> Rule {
        match self {
            Refusal::FrameTooSmall { .. } => Rule::Frame,
            Refusal::NoFace | Refusal::SeveralFaces { .. } => Rule::OneFace,
            Refusal::TooFar { .. } | Refusal::TooClose { .. } => Rule::FaceSize,
            Refusal::OffCentre { .. } => Rule::Position,
            Refusal::HeadBox { .. } => Rule::HeadBox,
            Refusal::BackgroundNotPlain { .. } => Rule::BackgroundPlain,
            Refusal::BackgroundTooDark { .. } => Rule::BackgroundLight,
            Refusal::BackgroundNotWhite { .. } => Rule::BackgroundWhite,
            Refusal::FileSize { .. } => Rule::FileSize,
        }
    }

    /// What the citizen should do.
    pub fn advice(&self) -> Advice {
        let (zh_cn, en, ug) = match self {
            Refusal::FrameTooSmall { .. } => (
                "相机画面太小，请联系工作人员",
                "the camera picture is too small: please call a member of staff",
                "كامېرا رەسىمى بەك كىچىك، خىزمەتچىنى چاقىرىڭ",
            ),
            Refusal::NoFace => ("未检测到人脸：请正对摄像头", "no face found: face the camera",
                "يۈز تېپىلمىدى: كامېراغا ئۇدۇل قاراڭ",
            ),
            Refusal::SeveralFaces { .. } => (
                "检测到多张人脸：画面中只能有申请人本人",
                "more than one face: only the applicant may be in the picture",
                "بىردىن ئارتۇق يۈز بار: رەسىمدە پەقەت ئىلتىماسچىنىڭ ئۆزىلا بولسۇن",
            ),
            Refusal::TooFar { .. } => ("脸部太小：请靠近摄像头", "face too small: move closer",
                "يۈز بەك كىچىك: كامېراغا يېقىنلىشىڭ",
            ),
            Refusal::TooClose { .. } => (
                "距离太近或头部不完整：请稍向后退",
                "too close or cut off: move back",
                "بەك يېقىن ياكى باش تولۇق ئەمەس: سەل كەينىگە چېكىنىڭ",
            ),
            Refusal::OffCentre { .. } => (
                "头部不在画面中央：请移到画面中央",
                "not in the centre: move to the centre",
                "باش رەسىمنىڭ ئوتتۇرىسىدا ئەمەس: ئوتتۇرىغا يۆتكىلىڭ",
            ),
            Refusal::HeadBox { .. } => (
                "头部位置不符合要求：请坐正，正对摄像头",
                "head position out of the rules: sit up straight and face the camera",
                "باشنىڭ ئورنى تەلەپكە ئۇيغۇن ئەمەس: تۈز ئولتۇرۇپ كامېراغا ئۇدۇل قاراڭ",
            ),
            Refusal::BackgroundNotPlain { .. } => (
                "背景不是纯色：请站在白色背景前，身后不要有人或物品",
                "background not plain: stand in front of the white screen with nothing behind you",
                "ئارقا كۆرۈنۈش ساپ رەڭ ئەمەس: ئاق تامنىڭ ئالدىدا تۇرۇڭ، ئارقىڭىزدا ئادەم ياكى نەرسە بولمىسۇن",
            ),
            Refusal::BackgroundTooDark { .. } => (
                "背景太暗：请站在白色背景前，并检查照明",
                "background too dark: stand in front of the white screen and check the lighting",
                "ئارقا كۆرۈنۈش بەك قاراڭغۇ: ئاق تامنىڭ ئالدىدا تۇرۇڭ، يورۇقلۇقنى تەكشۈرۈڭ",
            ),
            Refusal::BackgroundNotWhite { .. } => (
                "背景不是白色：请站在白色背景前",
                "background not white: stand in front of the white screen",
                "ئارقا كۆرۈنۈش ئاق ئەمەس: ئاق تامنىڭ ئالدىدا تۇرۇڭ",
            ),
            Refusal::FileSize { .. } => (
                "无法生成符合大小要求的照片文件：请联系工作人员",
                "the photo file cannot be made within the size limits: please call a member of staff",
                "تەلەپكە ئۇيغۇن چوڭلۇقتىكى رەسىم ھۆججىتى ھاسىل قىلغىلى بولمىدى: خىزمەتچىنى چاقىرىڭ",
            ),
        };
        Advice { zh_cn, en, ug }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_refusal_names_a_rule_and_advises() {
        let all = [
            Refusal::FrameTooSmall {
                width: 1,
                height: 1,
                min_width: 2,
                min_height: 2,
            },
            Refusal::NoFace,
            Refusal::SeveralFaces { count: 2 },
            Refusal::TooFar {
                face_width: 1,
                min_face_width: 2,
            },
            Refusal::TooClose {
                face_width: 2,
                max_face_width: 1,
            },
            Refusal::OffCentre {
                direction: Direction::Left,
            },
            Refusal::HeadBox {
                violations: vec!["x".into()],
            },
            Refusal::BackgroundNotPlain {
                busy_share: 0.5,
                max: 0.15,
            },
            Refusal::BackgroundTooDark { luma: 1, min: 2 },
            Refusal::BackgroundNotWhite { chroma: 2, max: 1 },
            Refusal::FileSize {
                smallest: 1,
                largest: 2,
                min_bytes: 3,
                max_bytes: 4,
                min_quality: 40,
                max_quality: 95,
            },
        ];
        let mut rules: Vec<Rule> = all.iter().map(Refusal::rule).collect();
        rules.dedup();
        assert_eq!(rules, Rule::ALL.to_vec());
        for r in &all {
            let a = r.advice();
            assert!(!a.zh_cn.is_empty() && !a.en.is_empty());
            // Uyghur advice in the Arabic script, with no Chinese left in it (issue 22).
            assert!(a.ug.chars().any(|c| ('\u{0600}'..='\u{06ff}').contains(&c)));
            assert!(!a.ug.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)));
            assert!(!r.to_string().is_empty());
        }
    }
}
