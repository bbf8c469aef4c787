//! Reading JSON values into domain values, with one readable message for each
//! way a client can send the wrong kind of value.

use serde_json::Value;

/// Parses a JSON integer within `min..=max`. Whole floats such as `2.0` are
/// refused too: prices and quantities are integers on the wire.
pub(super) fn integer_in(value: &Value, min: i64, max: i64) -> Result<i64, String> {
    let range = || format!("must be an integer from {min} to {max}");
    match value {
        Value::Number(number) => {
            if let Some(n) = number.as_i64() {
                if (min..=max).contains(&n) {
                    return Ok(n);
                }
                return Err(range());
            }
            if number.as_u64().is_some() {
                return Err(range());
            }
            match number.as_f64() {
                Some(f) if f.fract() != 0.0 => Err(format!("must be a whole number, not a fraction ({})", range())),
                _ => Err(range()),
            }
        }
        Value::Null => Err(format!("is required and {}", range())),
        _ => Err(format!("must be a JSON number, not {}; it {}", kind(value), range())),
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A JSON string, or a message naming what was sent instead.
pub(super) fn string(value: &Value) -> Result<&str, String> {
    value.as_str().ok_or_else(|| format!("must be a string, not {}", kind(value)))
}
