//! Error bodies (ERR-1, ERR-3, ERR-4, ERR-5).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::contract::Violation;

/// Shape B `{"error":{"code","message","details"?}}`, used on `/analyze/tasks*`.
pub fn shape_b(status: u16, code: &str, message: &str, details: Option<Value>) -> Response {
    let mut error = json!({"code": code, "message": message});
    if let (Some(d), Some(obj)) = (details, error.as_object_mut()) {
        obj.insert("details".into(), d);
    }
    respond(status, json!({ "error": error }))
}

/// Shape A `{"code","message"}`, used for 401, `/assets*`, list 400s and unknown
/// routes.
pub fn shape_a(status: u16, code: &str, message: &str) -> Response {
    respond(status, json!({"code": code, "message": message}))
}

/// A contract violation as Shape B with `details.field` and `details.rule` (ERR-5).
pub fn violation(v: &Violation) -> Response {
    shape_b(v.status, v.code.as_str(), &v.message(), Some(json!({"field": v.field, "rule": v.rule})))
}

fn respond(status: u16, body: Value) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, Json(body)).into_response()
}
