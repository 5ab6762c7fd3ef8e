//! A citizen session as a pure state machine: `(session, event) → (session', effects)`.
//!
//! The flow is the same for every business, driven by its row of the rule table:
//! 申报 (gather each material from the devices; the citizen may say "I don't have it") →
//! 受理 (completeness check; anything missing ends the case with one notice listing every
//! missing item) → preconditions on the registry and the card (refusals say why) →
//! confirmation with masked data and the business's consequences (`rules::consequence`; the
//! service asks a second touch for an irreversible one) → PIN entry where the business needs
//! one → 办理 (effects run by the executor) → 办结 (receipt). Every ending (done, refused,
//! one-time notice, failed) may be rated.
//!
//! PINs never enter the session: a PIN-entry event hands them straight to the card effect.

use std::collections::BTreeSet;

use card_io::pin::Pin;

use super::facts::Reason;
use super::{identity, plan};
use crate::domain::{local_date, BusinessCode, Outcome};
use crate::rules::{self, intake, Material};
use crate::store::{CaseStep, Commit, Rating};
use crate::text::Tri;

pub use super::ctx::Ctx;
pub use super::failure::Failure;
pub use super::refusal::Refusal;
pub use super::state::{
    CardPins, Effect, Event, Executed, Gathered, Notice, Phase, Session, Whose,
};

/// The order in which materials are asked for.
const ASK_ORDER: [Material; 7] = [
    Material::IdCard,
    Material::AgentIdCard,
    Material::SsCard,
    Material::Photo,
    Material::ContactDetails,
    Material::Reason,
    Material::BankMaterials,
];

impl Session {
    /// Opens a case. Refuses an agent for a business agents may not do, and a business this
    /// kiosk does not offer. The commit opens the case in the registry.
    pub fn start(
        case_id: String,
        business: BusinessCode,
        agent: bool,
        ctx: &Ctx<'_>,
    ) -> Result<(Session, Commit), Refusal> {
        if !ctx.settings.enabled.contains(&business) {
            return Err(Refusal::NotOffered);
        }
        if agent && !intake::agent_allowed(rules::rule(business)) {
            return Err(Refusal::AgentNotAllowed);
        }
        let mut s = Session {
            case_id,
            business,
            agent,
            started_at: ctx.now,
            phase: Phase::Closed,
            gathered: Gathered::default(),
            lacking: BTreeSet::new(),
            deadline: None,
            identity: identity::Verification::default(),
            pin_tries_left: None,
            steps: vec![CaseStep {
                at: ctx.now,
                step: "申报".into(),
                detail: format!(
                    "{}{}",
                    rules::rule(business).name.zh,
                    if agent { "(委托办理)" } else { "" }
                ),
            }],
        };
        let mut commit = Commit::new(s.actor(), ctx.now);
        commit.case = Some(s.case_row(None, None, ""));
        s.phase = s.next_phase(ctx);
        Ok((s, commit))
    }

    /// The next material to ask for, if any.
    fn next_material(&self) -> Option<Material> {
        let required = intake::required(rules::rule(self.business), &self.intake_context());
        ASK_ORDER.into_iter().find(|m| {
            required.iter().any(|r| r.material == *m)
                && !self.gathered.has(*m)
                && !self.lacking.contains(m)
        })
    }

    /// After a material arrived or was declared lacking: ask for the next, or run intake.
    fn next_phase(&mut self, ctx: &Ctx<'_>) -> Phase {
        if let Some(material) = self.next_material() {
            return Phase::Gathering { material };
        }
        let rule = rules::rule(self.business);
        let mut provided: intake::Provided = self.gathered.provided().into_iter().collect();
        if self.progress_only() {
            // An applicant without a card yet: the ID card alone shows where the application
            // stands (BUSINESS-RULES.md section 1, 状态查询).
            provided.insert(Material::SsCard);
        }
        if let Err(notice) = intake::check(rule, &self.intake_context(), &provided) {
            return Phase::Returned { notice };
        }
        self.steps.push(CaseStep {
            at: ctx.now,
            step: "受理".into(),
            detail: "材料齐全".into(),
        });
        match plan::precheck(self, ctx) {
            Err(refusal) => Phase::Refused { refusal },
            Ok(()) => identity::enter(self, ctx),
        }
    }

    /// A status query by the ID card alone: the holder said they have no card, has none in
    /// use (none yet, or lost or cancelled) and has an application on its way. Only the
    /// application's progress is shown then.
    pub fn progress_only(&self) -> bool {
        self.business == BusinessCode::Status
            && self.lacking.contains(&Material::SsCard)
            && self.gathered.card.is_none()
            && self.gathered.holder.as_ref().is_some_and(|h| {
                h.open_application().is_some()
                    && h.current_card()
                        .is_none_or(|c| !matches!(c.state, crate::domain::CardState::Active))
            })
    }

    /// Handles one event. Returns the effects to run; a [`Notice`] when the event was not
    /// acceptable but the session goes on (the phase is unchanged).
    pub fn handle(&mut self, event: Event, ctx: &Ctx<'_>) -> Result<Vec<Effect>, Notice> {
        let before = self.phase.clone();
        let effects = match (&before, event) {
            (Phase::Closed, _) => {
                return Err(Notice::from(Tri::new(
                    "本次业务已结束",
                    "this session is over",
                    "بۇ قېتىملىق ئىش ئاخىرلاشتى",
                )))
            }
            (_, Event::Cancel | Event::Timeout) => self.abandon(ctx),
            (Phase::Gathering { material }, event) => self.gather(*material, event, ctx)?,
            (Phase::Identity { step }, Event::Face(e)) => {
                identity::handle(self, step.clone(), e, ctx)?
            }
            (Phase::Confirming, Event::Confirm) => match plan::pins_needed(self.business) {
                Some((old, new)) => {
                    self.phase = Phase::EnteringPins { old, new };
                    Vec::new()
                }
                None => self.execute(CardPins::default(), ctx),
            },
            (
                Phase::EnteringPins { old, new },
                Event::Pins {
                    old: o,
                    new: n,
                    repeat,
                },
            ) => {
                let pins = self.check_pins(*old, *new, o, n, repeat)?;
                self.execute(pins, ctx)
            }
            (Phase::Executing | Phase::Interrupted, Event::Executed(result)) => {
                self.executed(result, ctx)
            }
            // A rating after every case (BUSINESS-RULES.md section 6): done, refused, ended
            // with a one-time notice, or failed.
            (
                Phase::Done { .. }
                | Phase::Returned { .. }
                | Phase::Refused { .. }
                | Phase::Failed { .. },
                Event::Rate {
                    level,
                    reasons,
                    comment,
                },
            ) => {
                if !(1..=5).contains(&level) {
                    return Err(Notice::from(Tri::new(
                        "评价分为1至5级",
                        "a rating is a level from 1 to 5",
                        "باھا 1 دىن 5 كىچە دەرىجىگە بۆلۈنىدۇ",
                    )));
                }
                self.phase = Phase::Closed;
                vec![
                    Effect::Rate(Rating {
                        case_id: self.case_id.clone(),
                        level,
                        reasons: if Rating::is_good(level) {
                            Vec::new()
                        } else {
                            reasons
                        },
                        comment,
                        at: ctx.now,
                    }),
                    Effect::ReleaseCard,
                ]
            }
            (
                Phase::Done { .. }
                | Phase::Returned { .. }
                | Phase::Refused { .. }
                | Phase::Failed { .. },
                Event::Finish,
            ) => {
                self.phase = Phase::Closed;
                vec![Effect::ReleaseCard]
            }
            (Phase::Returned { notice: n }, Event::Confirm) => {
                // "Print the notice", in the citizen's language (`Engine::feed_in`).
                vec![Effect::Print(n.lines(ctx.language))]
            }
            (Phase::Done { receipt, .. }, Event::Confirm) => {
                // "Print the receipt".
                vec![Effect::Print(receipt.clone())]
            }
            _ => {
                return Err(Notice::from(Tri::new(
                    "现在不能进行此操作",
                    "that is not possible at this step",
                    "بۇ باسقۇچتا بۇ مەشغۇلاتنى قىلغىلى بولمايدۇ",
                )))
            }
        };
        Ok(self.close_if_terminal(before, effects, ctx))
    }

    /// When the phase just became terminal, closes the case in the registry.
    fn close_if_terminal(
        &mut self,
        before: Phase,
        mut effects: Vec<Effect>,
        ctx: &Ctx<'_>,
    ) -> Vec<Effect> {
        if std::mem::discriminant(&before) == std::mem::discriminant(&self.phase) {
            return effects;
        }
        let (outcome, summary, event) = match &self.phase {
            Phase::Returned { notice } => (
                Outcome::ReturnedIncomplete,
                format!(
                    "一次性告知: {}",
                    notice
                        .missing
                        .iter()
                        .map(|m| m.material.code())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                "case.returned",
            ),
            Phase::Refused { refusal } => (Outcome::Refused, refusal.to_string(), "case.refused"),
            Phase::Failed { failure } => (Outcome::Failed, failure.to_string(), "case.failed"),
            _ => return effects,
        };
        let mut commit = Commit::new(self.actor(), ctx.now);
        commit.case = Some(self.case_row(Some(outcome), Some(ctx.now), &summary));
        commit.events.push((
            event.into(),
            self.case_id.clone(),
            serde_json::json!({ "business": self.business, "summary": summary }),
        ));
        effects.push(Effect::Commit(commit));
        effects
    }

    fn abandon(&mut self, ctx: &Ctx<'_>) -> Vec<Effect> {
        let was = std::mem::replace(&mut self.phase, Phase::Closed);
        // A finished case stays finished; an interrupted one is settled by reconciliation.
        if matches!(
            was,
            Phase::Done { .. }
                | Phase::Returned { .. }
                | Phase::Refused { .. }
                | Phase::Failed { .. }
                | Phase::Interrupted
                | Phase::Executing
        ) {
            return vec![Effect::ReleaseCard];
        }
        let mut commit = Commit::new(self.actor(), ctx.now);
        commit.case = Some(self.case_row(
            Some(Outcome::Abandoned),
            Some(ctx.now),
            "citizen left or cancelled",
        ));
        vec![Effect::Commit(commit), Effect::ReleaseCard]
    }

    fn gather(
        &mut self,
        asked: Material,
        event: Event,
        ctx: &Ctx<'_>,
    ) -> Result<Vec<Effect>, Notice> {
        let today = local_date(ctx.now);
        match (asked, event) {
            (Material::IdCard, Event::IdCardRead { person, facts }) => {
                if !person.valid_on(today) {
                    self.lacking.insert(Material::IdCard);
                    self.step(ctx, "读取身份证", "证件已过有效期");
                } else {
                    self.step(
                        ctx,
                        "读取身份证",
                        &crate::mask::id_number(&person.id_number),
                    );
                    self.gathered.principal = Some(person);
                    self.gathered.holder = Some(facts);
                }
            }
            (Material::IdCard, Event::EcardScanned { person, facts }) => {
                if !rules::rule(self.business).ecard_identifies() {
                    return Err(Notice::from(Tri::new(
                        "本业务须使用居民身份证",
                        "this business needs the resident ID card",
                        "بۇ ئىشقا ئاھالە كىملىكى كېرەك",
                    )));
                }
                self.step(
                    ctx,
                    "扫描电子社保卡",
                    &crate::mask::id_number(&person.id_number),
                );
                self.gathered.principal = Some(person);
                self.gathered.holder = Some(facts);
            }
            (Material::AgentIdCard, Event::IdCardRead { person, .. }) => {
                if Some(person.id_number.as_str()) == self.principal_id() {
                    return Err(Notice::from(Tri::new(
                        "请读取受托人(代办人)本人的身份证",
                        "read the agent's own ID card (this is the principal's)",
                        "ۋاكالەتچىنىڭ ئۆز كىملىكىنى ئوقۇتۇڭ",
                    )));
                }
                if person.age_on(today) < 18 {
                    self.phase = Phase::Refused {
                        refusal: Refusal::AgentMinor,
                    };
                    return Ok(Vec::new());
                }
                if !person.valid_on(today) {
                    self.lacking.insert(Material::AgentIdCard);
                    self.step(ctx, "读取代办人身份证", "证件已过有效期");
                } else {
                    self.step(
                        ctx,
                        "读取代办人身份证",
                        &crate::mask::id_number(&person.id_number),
                    );
                    self.gathered.agent = Some(person);
                }
            }
            (Material::SsCard, Event::CardRead { card, holder }) => {
                let card_holder = card
                    .ssn
                    .clone()
                    .or_else(|| card.record.as_ref().map(|r| r.id_number.clone()));
                if card.record.is_none() {
                    self.phase = Phase::Refused {
                        refusal: Refusal::UnknownCard,
                    };
                    return Ok(Vec::new());
                }
                if let (Some(p), Some(h)) = (self.principal_id(), card_holder.as_deref()) {
                    if p != h {
                        self.phase = Phase::Refused {
                            refusal: Refusal::CardOfAnotherPerson,
                        };
                        return Ok(Vec::new());
                    }
                }
                self.step(
                    ctx,
                    "读取社会保障卡",
                    &crate::mask::card_number(&card.card_number),
                );
                if self.gathered.holder.is_none() {
                    self.gathered.holder = Some(holder);
                }
                self.gathered.card = Some(card);
            }
            (Material::Photo, Event::PhotoTaken(photo)) => {
                self.step(ctx, "照片采集", &photo.sha256);
                self.gathered.photo = Some(photo);
            }
            (Material::ContactDetails, Event::ContactGiven(c)) => {
                plan::check_contact(&c)?;
                self.step(ctx, "填写联系信息", "");
                self.gathered.contact = Some(c);
            }
            (Material::Reason, Event::ReasonGiven(r)) => {
                let fits = match self.business {
                    BusinessCode::Exchange => r.for_exchange(),
                    BusinessCode::Cancel => r.for_cancel(),
                    _ => true,
                };
                if !fits {
                    return Err(Notice::from(Tri::new(
                        "请选择本业务的原因",
                        "choose a reason of this business",
                        "بۇ ئىشنىڭ سەۋەبىنى تاللاڭ",
                    )));
                }
                if self.business == BusinessCode::Cancel && r == Reason::Death && !self.agent {
                    self.phase = Phase::Refused {
                        refusal: Refusal::DeathNeedsAgent,
                    };
                    return Ok(Vec::new());
                }
                self.step(ctx, "选择原因", r.zh());
                self.gathered.reason = Some(r);
            }
            (Material::BankMaterials, Event::BankReceipt(no)) => {
                let no = no.trim().to_string();
                if no.is_empty()
                    || no.len() > 40
                    || !no.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                {
                    return Err(Notice::from(Tri::new(
                        "银行回执编号应为1至40位字母、数字或'-'",
                        "the bank receipt number is 1-40 letters, digits or '-'",
                        "بانكا تالونىنىڭ نومۇرى 1 دىن 40 غىچە ھەرپ، رەقەم ياكى '-' بولۇشى كېرەك",
                    )));
                }
                self.step(ctx, "银行销户回执", &no);
                self.gathered.bank_receipt = Some(no);
            }
            (m, Event::Lacking(l)) if m == l => {
                self.step(ctx, "材料缺失", m.code());
                self.lacking.insert(m);
            }
            _ => {
                return Err(Notice::from(Tri::new(
                    "请按屏幕提示提供材料",
                    "please provide what the screen asks for",
                    "ئېكراندىكى كۆرسەتمە بويىچە ماتېرىيال تەمىنلەڭ",
                )))
            }
        }
        if matches!(self.phase, Phase::Gathering { .. }) {
            self.phase = self.next_phase(ctx);
        }
        Ok(Vec::new())
    }

    fn step(&mut self, ctx: &Ctx<'_>, step: &str, detail: &str) {
        self.steps.push(CaseStep {
            at: ctx.now,
            step: step.into(),
            detail: detail.into(),
        });
    }

    fn check_pins(
        &self,
        want_old: bool,
        want_new: bool,
        old: Option<Pin>,
        new: Option<Pin>,
        repeat: Option<Pin>,
    ) -> Result<CardPins, Notice> {
        if want_old && old.is_none() {
            return Err(Notice::from(Tri::new(
                "请输入原密码",
                "enter the current PIN",
                "ئەسلى پارولنى كىرگۈزۈڭ",
            )));
        }
        if !want_new {
            return Ok(CardPins { old, new: None });
        }
        let (Some(new), Some(repeat)) = (new, repeat) else {
            return Err(Notice::from(Tri::new(
                "请输入两次新密码",
                "enter the new PIN twice",
                "يېڭى پارولنى ئىككى قېتىم كىرگۈزۈڭ",
            )));
        };
        if !new.same_as(&repeat) {
            return Err(Notice::from(Tri::new(
                "两次输入的新密码不一致",
                "the two new PINs differ",
                "ئىككى قېتىم كىرگۈزۈلگەن يېڭى پارول ئوخشاش ئەمەس",
            )));
        }
        if let Some(old) = &old {
            if old.same_as(&new) {
                return Err(Notice::from(Tri::new(
                    "新密码不能与原密码相同",
                    "the new PIN must differ from the old one",
                    "يېڭى پارول ئەسلى پارول بىلەن ئوخشاش بولسا بولمايدۇ",
                )));
            }
        }
        let id = self.principal_id();
        let birth = self
            .gathered
            .principal
            .as_ref()
            .map(|p| p.birth_date)
            .or_else(|| {
                self.gathered
                    .holder
                    .as_ref()
                    .and_then(|h| h.person.as_ref())
                    .map(|p| p.birth_date)
            })
            .and_then(|d| {
                use chrono::Datelike;
                card_io::date::Date::new(
                    u16::try_from(d.year()).ok()?,
                    u8::try_from(d.month()).ok()?,
                    u8::try_from(d.day()).ok()?,
                )
            });
        if let Err(weak) = crate::pin_policy::check(&new, id, birth) {
            let why = weak.text();
            return Err(Notice(Tri::new(
                format!("新密码过于简单:{}", why.zh),
                format!("the new PIN is too weak: {}", why.en),
                format!("يېڭى پارول بەك ئاددىي: {}", why.ug),
            )));
        }
        if self.business == BusinessCode::Enable && plan::is_initial_pin(&new) {
            return Err(Notice::from(Tri::new(
                "新密码不能是初始密码",
                "the new PIN cannot be the initial PIN",
                "يېڭى پارول دەسلەپكى پارول بولسا بولمايدۇ",
            )));
        }
        Ok(CardPins {
            old,
            new: Some(new),
        })
    }

    fn execute(&mut self, pins: CardPins, ctx: &Ctx<'_>) -> Vec<Effect> {
        self.step(ctx, "办理", "");
        self.phase = Phase::Executing;
        self.deadline = plan::application_deadline(self.business, ctx);
        plan::effects(self, pins, ctx)
    }

    fn executed(&mut self, result: Executed, ctx: &Ctx<'_>) -> Vec<Effect> {
        match result {
            Executed::Ok {
                archive_no,
                ecard_token,
            } => {
                self.pin_tries_left = None;
                self.phase = Phase::Done {
                    receipt: plan::receipt(
                        self,
                        ctx,
                        archive_no.as_deref(),
                        ecard_token.as_deref(),
                    ),
                    ecard_qr: ecard_token,
                };
                Vec::new()
            }
            Executed::Reconciled { applied: true } => {
                self.phase = Phase::Done {
                    receipt: plan::receipt(self, ctx, None, None),
                    ecard_qr: None,
                };
                Vec::new()
            }
            Executed::Reconciled { applied: false } => {
                self.phase = Phase::Failed {
                    failure: Failure::RemovedNothingChanged,
                };
                Vec::new()
            }
            Executed::Interrupted => {
                self.phase = Phase::Interrupted;
                Vec::new()
            }
            // A wrong old PIN with tries left: back to the PIN screen, the case stays open.
            Executed::Failed(Failure::WrongPin { tries_left }) if tries_left > 0 => {
                match plan::pins_needed(self.business) {
                    Some((old @ true, new)) => {
                        self.step(ctx, "密码错误", &format!("还可尝试 {tries_left} 次"));
                        self.pin_tries_left = Some(tries_left);
                        self.phase = Phase::EnteringPins { old, new };
                    }
                    Some((false, _)) | None => {
                        self.phase = Phase::Failed {
                            failure: Failure::WrongPin { tries_left },
                        }
                    }
                }
                Vec::new()
            }
            // The last try went wrong: the PIN is blocked now.
            Executed::Failed(Failure::WrongPin { .. }) => {
                self.pin_tries_left = Some(0);
                self.phase = Phase::Failed {
                    failure: Failure::PinBlocked,
                };
                Vec::new()
            }
            Executed::Failed(failure) => {
                self.phase = Phase::Failed { failure };
                Vec::new()
            }
        }
    }
}

#[cfg(test)]
mod tests;
