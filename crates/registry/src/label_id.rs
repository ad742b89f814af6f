//! Label identification numbers.
//!
//! Format: `STAR<level>-<year>-<sequence><check>`, e.g. `STAR1-2026-000042K`:
//!
//! - `STAR1` .. `STAR4`: the level;
//! - `2026`: the year of the first grant;
//! - `000042`: the label's sequence number within its level and year, six
//!   digits or more, allocated by the database;
//! - `K`: a check character over the digits before it (level, year,
//!   sequence): the sum of each digit times its position (1, 2, ...) modulo
//!   31, written in the 31 characters `0-9` and `A-Y` without `I`, `L`, `O`
//!   and `S` (which are read as 1, 1, 0 and 5). Because 31 is prime and
//!   larger than both any position and any difference of two digits, the
//!   check catches every single mistyped digit and every swap of two
//!   adjacent digits: a mistyped ID is reported as mistyped rather than as
//!   "not found". (ISO/IEC 7064 MOD 37,36 was tried first; it misses some
//!   adjacent swaps, e.g. 2054 and 2045.)
//!
//! Input is read case-insensitively and with surrounding spaces trimmed.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use starmark_criteria::Level;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LabelId {
    pub level: Level,
    pub year: u16,
    pub seq: u32,
}

/// The check characters, by value 0..=30.
const CHECK_CHARS: &[u8; 31] = b"0123456789ABCDEFGHJKMNPQRTUVWXY";

/// The check character over the digits of `body`.
fn check_char(body: &str) -> Option<char> {
    let sum: u32 = body.bytes().filter(u8::is_ascii_digit).zip(1u32..).map(|(d, pos)| u32::from(d - b'0') * pos).sum();
    CHECK_CHARS.get(usize::try_from(sum % 31).ok()?).map(|&b| b as char)
}

impl LabelId {
    pub fn new(level: Level, year: u16, seq: u32) -> LabelId {
        LabelId { level, year, seq }
    }

    fn body(&self) -> String {
        format!("STAR{}-{:04}-{:06}", self.level.rank(), self.year, self.seq)
    }
}

impl fmt::Display for LabelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let body = self.body();
        let check = check_char(&body).unwrap_or('?');
        write!(f, "{body}{check}")
    }
}

/// Why a string is not a label ID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LabelIdError {
    #[error("`{0}` is not a label ID; label IDs look like STAR1-2026-000042K")]
    Shape(String),
    #[error("`{0}` has a wrong check character: the ID was probably mistyped")]
    Check(String),
}

impl FromStr for LabelId {
    type Err = LabelIdError;

    fn from_str(s: &str) -> Result<LabelId, LabelIdError> {
        let t = s.trim().to_ascii_uppercase();
        let shape = || LabelIdError::Shape(s.trim().chars().take(64).collect());
        let mut parts = t.split('-');
        let (Some(lv), Some(year), Some(rest), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
            return Err(shape());
        };
        let level = match lv {
            "STAR1" => Level::Star1,
            "STAR2" => Level::Star2,
            "STAR3" => Level::Star3,
            "STAR4" => Level::Star4,
            _ => return Err(shape()),
        };
        if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
            return Err(shape());
        }
        let year: u16 = year.parse().map_err(|_| shape())?;
        let Some((digits, check)) = rest.split_at_checked(rest.len().saturating_sub(1)) else {
            return Err(shape());
        };
        if digits.len() < 6 || digits.len() > 9 || !digits.bytes().all(|b| b.is_ascii_digit()) || check.is_empty() {
            return Err(shape());
        }
        let seq: u32 = digits.parse().map_err(|_| shape())?;
        let id = LabelId { level, year, seq };
        // A sequence written with extra leading zeros is not the canonical form.
        if id.body() != format!("{lv}-{year:04}-{digits}") {
            return Err(shape());
        }
        let check = match check {
            "I" | "L" => "1",
            "O" => "0",
            "S" => "5",
            c => c,
        };
        if check_char(&id.body()).map(String::from).as_deref() != Some(check) {
            return Err(LabelIdError::Check(t));
        }
        Ok(id)
    }
}

impl LabelId {
    /// For a string shaped like a label ID whose check character does not
    /// match: the valid IDs one typo away (the body as typed with its right
    /// check character, one digit changed, or two adjacent digits swapped).
    /// The caller keeps those that exist, to ask "did you mean ...?".
    pub fn near_misses(input: &str) -> Vec<LabelId> {
        let t = input.trim().to_ascii_uppercase();
        let mut parts = t.split('-');
        let (Some(lv), Some(year), Some(rest), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
            return Vec::new();
        };
        let Some(level_digit) = lv.strip_prefix("STAR").filter(|d| d.len() == 1) else { return Vec::new() };
        let Some(seq) = rest.get(..rest.len().saturating_sub(1)) else { return Vec::new() };
        let digits: Vec<u8> = format!("{level_digit}{year}{seq}").into_bytes();
        if digits.len() < 11 || !digits.iter().all(u8::is_ascii_digit) {
            return Vec::new();
        }
        let mut variants: Vec<Vec<u8>> = vec![digits.clone()];
        for i in 0..digits.len() {
            for d in b'0'..=b'9' {
                if digits.get(i) != Some(&d) {
                    let mut v = digits.clone();
                    if let Some(x) = v.get_mut(i) {
                        *x = d;
                    }
                    variants.push(v);
                }
            }
            if i + 1 < digits.len() && digits.get(i) != digits.get(i + 1) {
                let mut v = digits.clone();
                v.swap(i, i + 1);
                variants.push(v);
            }
        }
        let mut out: Vec<LabelId> = variants
            .into_iter()
            .filter_map(|v| {
                let s = String::from_utf8(v).ok()?;
                let (lv, rest) = s.split_at_checked(1)?;
                let (year, seq) = rest.split_at_checked(4)?;
                let level = *Level::ALL.get(usize::from(lv.parse::<u8>().ok()?.checked_sub(1)?))?;
                Some(LabelId::new(level, year.parse().ok()?, seq.parse().ok()?))
            })
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

impl Serialize for LabelId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for LabelId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<LabelId, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const ALPHABET: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

    #[test]
    fn format_and_parse() {
        let id = LabelId::new(Level::Star1, 2026, 42);
        let s = id.to_string();
        assert!(s.starts_with("STAR1-2026-000042"), "{s}");
        assert_eq!(s.len(), "STAR1-2026-000042".len() + 1);
        assert_eq!(s.parse::<LabelId>(), Ok(id));
        assert_eq!(format!("  {}  ", s.to_lowercase()).parse::<LabelId>(), Ok(id));
        assert!(matches!("STAR1-2026-42".parse::<LabelId>(), Err(LabelIdError::Shape(_))));
        assert!(matches!("STAR5-2026-000042A".parse::<LabelId>(), Err(LabelIdError::Shape(_))));
        assert!(matches!("'; drop table labels".parse::<LabelId>(), Err(LabelIdError::Shape(_))));
        assert_eq!(LabelId::new(Level::Star3, 2027, 1_234_567).to_string().len(), "STAR3-2027-1234567".len() + 1);
    }

    #[test]
    fn near_misses_include_the_intended_id() {
        let id = LabelId::new(Level::Star1, 2026, 42);
        let s = id.to_string();
        // A swapped pair of digits.
        let typo = s.replacen("000042", "000024", 1);
        assert!(LabelId::near_misses(&typo).contains(&id), "{typo}");
        // A wrong check character only.
        let mut wrong = s.clone();
        wrong.pop();
        wrong.push(if s.ends_with('A') { 'B' } else { 'A' });
        assert!(LabelId::near_misses(&wrong).contains(&id));
        assert!(LabelId::near_misses("hello").is_empty());
    }

    proptest! {
        #[test]
        fn every_single_substitution_and_adjacent_swap_is_detected(
            lv in 0usize..4, year in 2024u16..2100, seq in 0u32..10_000_000, pos in 0usize..32, repl in 0usize..36
        ) {
            let id = LabelId::new(Level::ALL[lv], year, seq);
            let s = id.to_string();
            let bytes = s.as_bytes();
            let i = pos % bytes.len();
            prop_assume!(bytes[i] != b'-');
            let mut sub = bytes.to_vec();
            sub[i] = ALPHABET[repl];
            prop_assume!(sub[i] != bytes[i]);
            let alias = matches!((bytes[i], sub[i]), (b'1', b'I' | b'L') | (b'0', b'O') | (b'5', b'S'));
            let typo = String::from_utf8(sub).unwrap();
            if alias && i == bytes.len() - 1 {
                // A check character typed as a look-alike letter is read as meant.
                prop_assert_eq!(typo.parse::<LabelId>(), Ok(id));
            } else {
                prop_assert!(typo.parse::<LabelId>().is_err(), "{typo} accepted");
            }
            // Swap with the next non-hyphen character.
            if let Some(j) = (i + 1..bytes.len()).find(|&j| bytes[j] != b'-')
                && bytes[i] != bytes[j] {
                    let mut sw = bytes.to_vec();
                    sw.swap(i, j);
                    let swapped = String::from_utf8(sw).unwrap();
                    prop_assert!(swapped.parse::<LabelId>().is_err(), "{swapped} accepted for {s}");
                }
        }
    }
}
