//! Parsing JSON keeping only the parts a reader uses: a [`Keep`] shape
//! names them, and everything else is checked as JSON and dropped without
//! being built into values (an SDK event is mostly such parts).

use serde::Deserialize;
use serde_json::{Map, Value};

/// Which parts of a JSON value to keep: all of it, or (of an object) only
/// the named members, each with its own shape. The elements of an array
/// take the array's shape; a value that is neither object nor array is kept
/// as it is.
#[derive(Clone, Copy)]
pub(super) enum Keep {
    All,
    Fields(&'static [(&'static str, Keep)]),
}

/// Parse `body` as JSON keeping only the parts `keep` names. The whole body
/// goes through the same parser as `serde_json::from_slice::<Value>` (the
/// dropped parts are read as values and discarded, not skipped), so exactly
/// the same bodies are accepted, with the same errors; the kept parts are
/// the same values.
pub(super) fn parse_pruned(body: &[u8], keep: Keep) -> Result<Value, serde_json::Error> {
    use serde::de::DeserializeSeed;
    let mut parser = serde_json::Deserializer::from_slice(body);
    let value = Pruned(keep).deserialize(&mut parser)?;
    parser.end()?;
    Ok(value)
}

/// A JSON value read with a [`Keep`] shape.
struct Pruned(Keep);

impl<'de> serde::de::DeserializeSeed<'de> for Pruned {
    type Value = Value;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        match self.0 {
            Keep::All => Value::deserialize(d),
            Keep::Fields(fields) => d.deserialize_any(PrunedVisitor(fields)),
        }
    }
}

struct PrunedVisitor(&'static [(&'static str, Keep)]);

impl<'de> serde::de::Visitor<'de> for PrunedVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    // Scalars as `Value`'s own visitor makes them.
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(Pruned(Keep::Fields(self.0)))? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut kept = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            match self.0.iter().find(|(name, _)| *name == key) {
                // A repeated member replaces the earlier one, as in `Value`.
                Some(&(_, keep)) => {
                    kept.insert(key, map.next_value_seed(Pruned(keep))?);
                }
                None => {
                    map.next_value::<Discarded>()?;
                }
            }
        }
        Ok(Value::Object(kept))
    }
}

/// Any JSON value, read in full (every string, escape and number checked as
/// `Value` checks it) and discarded without being built.
struct Discarded;

impl<'de> Deserialize<'de> for Discarded {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(DiscardVisitor)
    }
}

struct DiscardVisitor;

impl<'de> serde::de::Visitor<'de> for DiscardVisitor {
    type Value = Discarded;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Discarded, E> {
        Ok(Discarded)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Discarded, E> {
        Ok(Discarded)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Discarded, E> {
        Ok(Discarded)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Discarded, E> {
        Ok(Discarded)
    }
    fn visit_str<E>(self, _: &str) -> Result<Discarded, E> {
        Ok(Discarded)
    }
    fn visit_unit<E>(self) -> Result<Discarded, E> {
        Ok(Discarded)
    }
    fn visit_none<E>(self) -> Result<Discarded, E> {
        Ok(Discarded)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Discarded, A::Error> {
        while seq.next_element::<Discarded>()?.is_some() {}
        Ok(Discarded)
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Discarded, A::Error> {
        while map.next_entry::<Discarded, Discarded>()?.is_some() {}
        Ok(Discarded)
    }
}
