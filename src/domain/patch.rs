//! JSON Merge Patch (RFC 7396) fields: a key that is absent keeps the stored
//! value, `null` clears it, a value replaces it. serde alone cannot tell absent
//! from `null`, hence `Option<Option<T>>` and [`field`].

use serde::{Deserialize, Deserializer};

use crate::domain::validate::Validator;

/// `None`: absent. `Some(None)`: `null`. `Some(Some(v))`: set to `v`.
pub type Patch<T> = Option<Option<T>>;

/// Use with `#[serde(default, deserialize_with = "crate::domain::patch::field")]`.
pub fn field<'de, D, T>(deserializer: D) -> Result<Patch<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// [`field`] for integers, taking `3.0` as `3` (see [`crate::domain::validate::whole`]).
pub fn whole_field<'de, D, T>(deserializer: D) -> Result<Patch<T>, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<i64>,
{
    crate::domain::validate::whole(deserializer).map(Some)
}

/// [`field`] for nested objects (see [`crate::domain::validate::object`]).
pub fn object_field<'de, D, T>(deserializer: D) -> Result<Patch<T>, D::Error>
where
    D: Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    crate::domain::validate::object(deserializer).map(Some)
}

/// A field that may change but not be cleared: `null` is a validation error.
pub fn required<T>(v: &mut Validator, name: &str, patch: Patch<T>) -> Option<T> {
    match patch {
        Some(None) => {
            v.error(name, "cannot be null");
            None
        }
        other => other.flatten(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct P {
        #[serde(default, deserialize_with = "field")]
        x: Patch<u8>,
    }

    #[test]
    fn absent_null_and_value_are_told_apart() {
        let p = |s: &str| serde_json::from_str::<P>(s).unwrap().x;
        assert_eq!(p("{}"), None);
        assert_eq!(p(r#"{"x":null}"#), Some(None));
        assert_eq!(p(r#"{"x":3}"#), Some(Some(3)));
    }

    #[derive(Deserialize)]
    struct W {
        #[serde(default, deserialize_with = "whole_field")]
        x: Patch<u8>,
    }

    #[test]
    fn whole_numbers_written_as_floats_are_integers() {
        let p = |s: &str| serde_json::from_str::<W>(s).map(|w| w.x).ok();
        assert_eq!(p("{}"), Some(None));
        assert_eq!(p(r#"{"x":null}"#), Some(Some(None)));
        assert_eq!(p(r#"{"x":3.0}"#), Some(Some(Some(3))));
        assert_eq!(p(r#"{"x":3}"#), Some(Some(Some(3))));
        assert_eq!(p(r#"{"x":3.5}"#), None);
        assert_eq!(p(r#"{"x":300}"#), None);
        assert_eq!(p(r#"{"x":"3"}"#), None);
    }
}
