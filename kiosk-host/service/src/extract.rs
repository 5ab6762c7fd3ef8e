//! What the screens' handlers take from a request: a form body that answers with the error
//! screen when it cannot be read ([`PageForm`]), and the language and mode a screen asks for
//! ([`Prefs`], applied by the actor in [`with_prefs`]).

use std::sync::Arc;

use axum::response::{IntoResponse, Response};
use axum::Form;
use serde::Deserialize;

use crate::actor::Gone;
use crate::answer::html;
use crate::published::Published;
use crate::screens;
use crate::state::Shared;

/// A form body for the screens. A body the form decoder cannot read (wrong content type,
/// missing field, bad value) gives the error screen with its status, never the decoder's
/// raw message; nothing is changed.
pub struct PageForm<T>(pub T);

impl<T> axum::extract::FromRequest<Arc<Shared>> for PageForm<T>
where
    T: serde::de::DeserializeOwned + Send,
{
    type Rejection = Response;

    async fn from_request(
        req: axum::extract::Request,
        state: &Arc<Shared>,
    ) -> Result<Self, Self::Rejection> {
        match Form::<T>::from_request(req, state).await {
            Ok(Form(v)) => Ok(PageForm(v)),
            Err(rejection) => {
                log::info!("form refused: {rejection}");
                let page = screens::unreadable(&state.shown().chrome, false);
                Err((rejection.status(), html(&page)).into_response())
            }
        }
    }
}

/// `?lang=` and `?elderly=` on any screen.
#[derive(Debug, Default, Deserialize)]
pub struct Prefs {
    pub(crate) lang: Option<String>,
    pub(crate) elderly: Option<String>,
}

/// The screen after `prefs` were applied: what is shown now when they ask for nothing,
/// else what the actor published once it set them.
pub(crate) async fn with_prefs(s: &Shared, prefs: &Prefs) -> Result<Arc<Published>, Gone> {
    if prefs.lang.is_none() && prefs.elderly.is_none() {
        return Ok(s.shown());
    }
    let lang = prefs
        .lang
        .as_deref()
        .and_then(ui_web::Lang::from_tag)
        .map(screens::language);
    let elderly = prefs.elderly.as_deref().map(|e| e == "1" || e == "true");
    Ok(s.actor.prefs(lang, elderly).await?.shown)
}
