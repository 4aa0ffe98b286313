//! Comparison and logic helpers: `eq`, `ne`, `gt`, `lt`, `and`, `or`, `not`.
//!
//! All return a boolean, for `{{#if (eq a b)}}`, and also work as blocks.

use std::cmp::Ordering;

use handlebars::{JsonTruthy, RenderError};
use serde_json::{Number, Value};

use super::{Args, show};

/// Numeric comparison that is exact for integers (ids, token counts above 2^53) and
/// falls back to `f64` when either side has a fraction.
fn cmp_numbers(x: &Number, y: &Number) -> Option<Ordering> {
    if let (Some(x), Some(y)) = (x.as_i64(), y.as_i64()) {
        return Some(x.cmp(&y));
    }
    if let (Some(x), Some(y)) = (x.as_u64(), y.as_u64()) {
        return Some(x.cmp(&y));
    }
    // One side is negative and the other above i64::MAX.
    if x.is_i64() && y.is_u64() {
        return Some(Ordering::Less);
    }
    if x.is_u64() && y.is_i64() {
        return Some(Ordering::Greater);
    }
    x.as_f64()?.partial_cmp(&y.as_f64()?)
}

/// JSON equality, except that numbers compare by value: `1` equals `1.0` (serde_json
/// alone says they differ, which surprises in templates).
fn same(x: &Value, y: &Value) -> bool {
    match (x, y) {
        (Value::Number(x), Value::Number(y)) => cmp_numbers(x, y) == Some(Ordering::Equal),
        _ => x == y,
    }
}

/// `(eq A B)` → whether A equals B: same JSON value, numbers compared by value
/// (`(eq 1 1.0)` is true), no conversion between types (`(eq 1 "1")` is false).
/// Errors: a missing argument.
pub(super) fn eq(a: &Args<'_, '_>) -> Result<Value, RenderError> {
    Ok(same(a.get(0)?, a.get(1)?).into())
}

/// `(ne A B)` → `(not (eq A B))`.
pub(super) fn ne(a: &Args<'_, '_>) -> Result<Value, RenderError> {
    Ok((!same(a.get(0)?, a.get(1)?)).into())
}

/// Orders A and B: numbers by value, strings by Unicode code point (so zero-padded
/// `"hh:mm:ss"` strings order as times). Any other pair is an error rather than a
/// silent `false`.
fn order(a: &Args<'_, '_>) -> Result<Ordering, RenderError> {
    let (x, y) = (a.get(0)?, a.get(1)?);
    let ord = match (x, y) {
        (Value::Number(p), Value::Number(q)) => cmp_numbers(p, q),
        (Value::String(p), Value::String(q)) => Some(p.cmp(q)),
        _ => None,
    };
    ord.ok_or_else(|| {
        a.err(format_args!("can only compare two numbers or two strings, got {} and {}", show(x), show(y)))
    })
}

/// `(gt A B)` → A > B. A and B must both be numbers or both strings.
pub(super) fn gt(a: &Args<'_, '_>) -> Result<Value, RenderError> {
    Ok((order(a)? == Ordering::Greater).into())
}

/// `(lt A B)` → A < B. A and B must both be numbers or both strings.
pub(super) fn lt(a: &Args<'_, '_>) -> Result<Value, RenderError> {
    Ok((order(a)? == Ordering::Less).into())
}

/// Truthiness of every argument; each must exist (strict mode), even when an earlier
/// one already decides the result, since Handlebars evaluates them all anyway.
fn truths(a: &Args<'_, '_>) -> Result<Vec<bool>, RenderError> {
    (0..a.len()).map(|i| a.get(i).map(|v| v.is_truthy(false))).collect()
}

/// `(and A B [C...])` → true when every argument is truthy (`{{#if}}` rules: `false`,
/// `null`, `0`, `""`, `[]`, `{}` are false). At least two arguments.
pub(super) fn and(a: &Args<'_, '_>) -> Result<Value, RenderError> {
    Ok(truths(a)?.into_iter().all(|t| t).into())
}

/// `(or A B [C...])` → true when any argument is truthy. At least two arguments.
pub(super) fn or(a: &Args<'_, '_>) -> Result<Value, RenderError> {
    Ok(truths(a)?.into_iter().any(|t| t).into())
}

/// `(not A)` → true when A is falsy (`{{#if}}` rules).
pub(super) fn not(a: &Args<'_, '_>) -> Result<Value, RenderError> {
    Ok((!a.get(0)?.is_truthy(false)).into())
}
