//! Calendar dates in data files.
//!
//! People writing TOML write a bare date (`2026-04-01`); JSON has only
//! strings. Both mean the same civil date, so this deserializer takes either.

use jiff::civil::Date;
use serde::{Deserializer, de};

/// The name under which the `toml` crate hands a bare TOML date-time to a
/// deserializer (a one-entry map); see `toml::value::Datetime`.
const TOML_DATETIME_FIELD: &str = "$__toml_private_datetime";

struct DateVisitor;

impl<'de> de::Visitor<'de> for DateVisitor {
    type Value = Date;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a calendar date written YYYY-MM-DD")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Date, E> {
        parse(v).map_err(E::custom)
    }

    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Date, A::Error> {
        match map.next_key::<String>()? {
            Some(k) if k == TOML_DATETIME_FIELD => {
                let s: String = map.next_value()?;
                parse(&s).map_err(de::Error::custom)
            }
            _ => Err(de::Error::invalid_type(de::Unexpected::Map, &self)),
        }
    }
}

/// Parses `YYYY-MM-DD`, with a message that says what was wrong.
pub fn parse(s: &str) -> Result<Date, String> {
    let ok_shape = s.len() == 10
        && s.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
    if !ok_shape {
        return Err(format!("`{s}` is not a date written YYYY-MM-DD"));
    }
    s.parse::<Date>().map_err(|e| format!("`{s}` is not a real calendar date ({e})"))
}

/// Deserializes a required date.
pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
    d.deserialize_any(DateVisitor)
}

/// Deserializes an optional date (use with `#[serde(default)]`).
pub fn deserialize_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
    deserialize(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    struct T {
        #[serde(deserialize_with = "deserialize")]
        d: Date,
    }

    #[test]
    fn bare_and_quoted_toml_dates_and_json_strings() {
        let a: T = toml::from_str("d = 2026-04-01").unwrap();
        let b: T = toml::from_str("d = \"2026-04-01\"").unwrap();
        assert_eq!(a.d, b.d);
        assert!(toml::from_str::<T>("d = \"2026-02-30\"").is_err());
        assert!(toml::from_str::<T>("d = \"26-2-3\"").is_err());
        assert!(toml::from_str::<T>("d = 2026-04-01T10:00:00Z").is_err());
    }
}
