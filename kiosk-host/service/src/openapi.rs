//! The JSON API's router ([`api`]) and its contract, the OpenAPI 3.1 document served at
//! `GET /api/openapi.json`. The error body ([`ApiError`](crate::answer::ApiError)) and the JSON body extractor that
//! answers bad bodies with it are in [`crate::answer`].
//!
//! The document is generated, not written: each `/api` handler ([`crate::api`], the
//! suggestion box's in [`crate::suggest`]) carries a `#[utoipa::path]` attribute (method,
//! path, request body, every response status with its schema), [`api`] registers the
//! handlers with `utoipa_axum`'s `routes!`, which takes method and path from that same
//! attribute, and the request and response types derive `utoipa::ToSchema` (the view models
//! of `ui_web::view` included). So a JSON route cannot be served without its entry, and an
//! entry cannot name another path or method than the route. The simulated hardware's
//! `/api/sim/*` controls are not part of the contract (they exist only in `kiosk serve
//! --sim`) and are not documented.

use std::sync::{Arc, OnceLock};

use axum::http::header;
use axum::response::{IntoResponse, Response};
use utoipa::openapi::OpenApi as Document;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::Shared;
use crate::suggest;

/// The JSON API. Each handler is registered through `routes!`, which takes its method and
/// path from the handler's `#[utoipa::path]` attribute and adds that operation to the
/// document: a route here cannot exist without its documentation. Add new JSON routes here
/// never with `Router::route` in [`crate::http::router`].
pub fn api() -> OpenApiRouter<Arc<Shared>> {
    OpenApiRouter::with_openapi(frame())
        .routes(routes!(crate::api::api_session))
        .routes(routes!(crate::api::api_start))
        .routes(routes!(crate::api::api_event))
        .routes(routes!(crate::api::api_guide))
        .routes(routes!(suggest::api))
        .routes(routes!(crate::api::api_devices))
        .routes(routes!(crate::api::health))
        .routes(routes!(crate::api::events))
        .routes(routes!(openapi_json))
}

/// A route of the API as the document lists it: (method in capitals, path).
pub type Route = (String, String);

/// The document's frame: title, version, tags. The paths and schemas come from the routes.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Social security card kiosk",
        description = "The kiosk's JSON API: the citizen session (the same flows as the \
            touch screens), the service guide, device status and server-sent events. \
            Every error has the body `ApiError`.",
        license(name = "MIT OR Apache-2.0"),
    ),
    tags(
        (name = "session", description = "The one citizen session at a time"),
        (name = "kiosk", description = "The service guide, devices, events and this document"),
    )
)]
struct Frame;

/// The frame the API router starts from.
pub fn frame() -> Document {
    let mut doc = Frame::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_string();
    doc
}

/// The OpenAPI document of the API, generated from the routes.
pub fn document() -> Document {
    api().into_openapi()
}

/// The document as served: pretty JSON, generated once (it is the same every time: every map
/// in it is sorted).
pub fn document_json() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| {
        document()
            .to_pretty_json()
            .expect("the OpenAPI document serialises")
    })
}

/// Every (method, path) the document lists, sorted: what the API router serves.
pub fn documented_routes() -> Vec<Route> {
    let doc = serde_json::to_value(document()).expect("the OpenAPI document serialises");
    let mut routes: Vec<Route> = doc["paths"]
        .as_object()
        .into_iter()
        .flatten()
        .flat_map(|(path, item)| {
            item.as_object()
                .into_iter()
                .flatten()
                .filter(|(k, _)| {
                    matches!(
                        k.as_str(),
                        "get" | "put" | "post" | "delete" | "options" | "head" | "patch" | "trace"
                    )
                })
                .map(move |(method, _)| (method.to_uppercase(), path.clone()))
        })
        .collect();
    routes.sort();
    routes
}

/// This document.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "kiosk",
    responses(
        (status = 200, description = "The OpenAPI 3.1 document of this API",
            content_type = "application/json", body = Object),
    )
)]
pub async fn openapi_json() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        document_json(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_is_deterministic() {
        let a = document().to_pretty_json().unwrap();
        let b = document().to_pretty_json().unwrap();
        assert_eq!(a, b);
        assert_eq!(a, document_json());
    }

    #[test]
    fn the_document_is_openapi_3_1_with_the_api_routes() {
        let doc: serde_json::Value = serde_json::from_str(document_json()).unwrap();
        assert_eq!(doc["openapi"], "3.1.0");
        let routes = documented_routes();
        for want in [
            ("GET", "/api/session"),
            ("POST", "/api/session/start"),
            ("POST", "/api/session/event"),
            ("GET", "/api/guide"),
            ("GET", "/api/devices"),
            ("GET", "/api/events"),
            ("GET", "/api/openapi.json"),
        ] {
            assert!(
                routes.contains(&(want.0.to_string(), want.1.to_string())),
                "{want:?} missing from {routes:?}"
            );
        }
        assert!(
            routes.iter().all(|(_, p)| !p.starts_with("/api/sim")),
            "{routes:?}"
        );
    }
}
