//! The outcome of checking a frame against every rule, with what was measured.

use super::background::Background;
use super::detect::Face;
use super::geometry::{Crop, HeadBox};
use super::refusal::{Advice, Refusal, Rule};

/// How a rule came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pass,
    Fail,
    /// An earlier rule failed in a way that leaves nothing to measure this one on.
    NotEvaluated,
}

/// One rule's outcome.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RuleCheck {
    pub rule: Rule,
    pub status: Status,
    /// What was measured, in words and numbers ("" when not evaluated).
    pub measured: String,
    /// The limit the measurement is held to.
    pub limit: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refusal: Option<Refusal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub advice: Option<Advice>,
}

/// Every rule, in order, for one frame, with the measurements behind them.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Report {
    pub frame_width: u32,
    pub frame_height: u32,
    pub compliant: bool,
    pub rules: Vec<RuleCheck>,
    pub faces: Vec<Face>,
    pub crop: Option<Crop>,
    pub head_box: Option<HeadBox>,
    pub background: Option<Background>,
    pub quality: Option<u8>,
    pub bytes: Option<usize>,
}

impl Report {
    pub(crate) fn new(frame_width: u32, frame_height: u32) -> Report {
        Report {
            frame_width,
            frame_height,
            compliant: false,
            rules: Vec::new(),
            faces: Vec::new(),
            crop: None,
            head_box: None,
            background: None,
            quality: None,
            bytes: None,
        }
    }

    pub(crate) fn pass(&mut self, rule: Rule, measured: String, limit: String) {
        self.rules.push(RuleCheck {
            rule,
            status: Status::Pass,
            measured,
            limit,
            refusal: None,
            advice: None,
        });
    }

    pub(crate) fn fail(&mut self, refusal: Refusal, measured: String, limit: String) {
        self.rules.push(RuleCheck {
            rule: refusal.rule(),
            status: Status::Fail,
            measured,
            limit,
            advice: Some(refusal.advice()),
            refusal: Some(refusal),
        });
    }

    /// Marks every rule not yet in the report as not evaluated, and settles `compliant`.
    pub(crate) fn finish(&mut self) {
        for rule in Rule::ALL {
            if !self.rules.iter().any(|c| c.rule == rule) {
                self.rules.push(RuleCheck {
                    rule,
                    status: Status::NotEvaluated,
                    measured: String::new(),
                    limit: String::new(),
                    refusal: None,
                    advice: None,
                });
            }
        }
        self.compliant = self.rules.iter().all(|c| c.status == Status::Pass);
    }

    /// The outcome of `rule`.
    pub fn get(&self, rule: Rule) -> Option<&RuleCheck> {
        self.rules.iter().find(|c| c.rule == rule)
    }

    /// Every refusal, in rule order.
    pub fn refusals(&self) -> impl Iterator<Item = &Refusal> {
        self.rules.iter().filter_map(|c| c.refusal.as_ref())
    }

    /// The first rule broken, in rule order.
    pub(crate) fn first_refusal(&self) -> Option<&Refusal> {
        self.refusals().next()
    }
}
